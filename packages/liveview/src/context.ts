import type { SocketLimits } from "./channel/socket_guard.js";
import type { Logger } from "./logger.js";
import type { Router } from "./router.js";
import type { Signer } from "./token.js";

/** The salts that bind each kind of signed token to its one use. */
export const SALT = {
  session: "session",
  flash: "flash",
  csrf: "csrf",
} as const;

/** How long a flash token lives: it only has to survive one redirect (Phoenix uses 60 s too). */
export const FLASH_MAX_AGE_MS = 60_000;

/** What the endpoint shares with its socket and view processes: configuration, never mutable state. */
export interface LiveContext {
  readonly router: Router;
  readonly signer: Signer;
  readonly logger: Logger;
  /** The pinned client's version, echoed in join replies as `liveview_version`. */
  readonly liveviewVersion: string;
  /** Max age of a `data-phx-session` token; an older one is answered `stale`. */
  readonly sessionMaxAgeMs: number;
  /** Channels one websocket may have joined at once. */
  readonly maxChannels: number;
  /** Each websocket's event bucket, error budget and log rate. */
  readonly limits: SocketLimits;
}

/**
 * What the signed `data-phx-session` token holds. It binds the page to what it was issued for: a first
 * mount (a join with `url`) must land on the same view, and a live navigation (a join with `redirect`,
 * which reuses the first page's token) must stay within the same group of routes.
 */
export interface SessionToken {
  /** The view's DOM id: a token only joins the topic `lv:<id>`. */
  readonly id: string;
  /** The view it was issued for (`RouteMatch.viewKey`). */
  readonly v: string;
  /** The route pattern it was issued for (for logs; the view decides). */
  readonly r: string;
  /** The group of routes it was issued in (`RouteMatch.group`). */
  readonly g: string;
  /** The session data given to `mount`. */
  readonly s: Record<string, unknown>;
  /** The flash the dead render showed (from a redirect), handed on to the first connected mount. */
  readonly f?: Record<string, string>;
}
