import type { LiveContext } from "../context.js";
import { hasUnsafeUrlChars } from "../local_path.js";
import { quote } from "../logger.js";
import { type NestedToken, nestedView } from "../nested_views.js";
import type { RouteMatch } from "../router.js";
import type { SessionToken } from "../session_token.js";
import { SALT } from "../token.js";

/** A join that may mount: the route and URL it mounts at, and the verified session token. */
export interface AuthorizedJoin {
  readonly match: RouteMatch;
  readonly url: URL;
  readonly data: SessionToken;
  /** A live navigation (a join with `redirect`) rather than a page's first mount (a join with `url`). */
  readonly navigating: boolean;
  /** A nested child's parent view (its DOM id), which must be joined on the same socket. */
  readonly parent?: string;
}

/** A join refused: the reply's response, and why (for the log). */
export interface RefusedJoin {
  readonly response: Record<string, unknown>;
  readonly why: string;
}

/**
 * Checks a `phx_join` of `topic`: its session token must be valid, fresh and for this view's id, and its URL
 * must be the route the token was issued for (a first mount) or a route of the same group (a live
 * navigation).
 */
export function authorizeJoin(
  ctx: LiveContext,
  topic: string,
  payload: Record<string, unknown>,
): AuthorizedJoin | RefusedJoin {
  const token = ctx.signer.verify<SessionToken>(SALT.session, payload.session, ctx.sessionMaxAgeMs);
  if (!token.ok) {
    return {
      response: { reason: token.error === "expired" ? "stale" : "unauthorized" },
      why: `session token ${token.error}`,
    };
  }
  const data = token.data;
  if (!isSessionToken(data) || data.id !== topic.slice(3)) {
    return { response: { reason: "unauthorized" }, why: "session token is for another view" };
  }
  if ((data as Partial<NestedToken>).n === 1) return authorizeNested(data as NestedToken);
  // Live navigation joins with `redirect` (the new URL, reusing the first page's token) in place of `url`.
  // A join this socket will not serve is refused `unauthorized`, as Phoenix does: the official client
  // then loads the URL in full, carrying the flash in a cookie, and the HTTP side decides what is there
  // (another page, a redirect, a 404).
  const navigating = payload.redirect !== undefined;
  const url = parseUrl(navigating ? payload.redirect : payload.url);
  if (url === null) return { response: { reason: "unauthorized" }, why: "no valid URL to mount" };
  const match = ctx.router.match(url.pathname);
  const where = quote(url.pathname);
  if (navigating) {
    if (match === null || match.group !== data.g)
      return {
        response: { reason: "unauthorized" },
        why: `live navigation to ${where}: no live route of this group`,
      };
  } else if (match === null || match.viewKey !== data.v) {
    return {
      response: { reason: "unauthorized" },
      why: `session token was issued for ${data.r}, not for ${where} (${match?.pattern ?? "no live route"})`,
    };
  }
  return { match, url, data, navigating };
}

/**
 * A child view's join (`liveRender`): the official client sends no URL for it; its token names the view,
 * the page's URL and (unless sticky) the parent, which the socket checks is joined.
 */
function authorizeNested(data: NestedToken): AuthorizedJoin | RefusedJoin {
  const view = nestedView(data.v);
  const url = parseUrl(data.u);
  if (view === undefined || url === null)
    return { response: { reason: "unauthorized" }, why: `no child view named ${quote(data.v)} on this node` };
  const match: RouteMatch = {
    pattern: data.r,
    view,
    viewKey: data.v,
    group: data.g,
    onMount: [],
    groupSession: undefined,
    name: data.v,
    params: {},
  };
  return typeof data.p === "string"
    ? { match, url, data, navigating: false, parent: data.p }
    : { match, url, data, navigating: false };
}

/** The connect params of a join (`get_connect_params`), without the CSRF token. */
export function connectParamsOf(payload: Record<string, unknown>): Record<string, unknown> {
  // Filled as a plain object, then given a null prototype: V8 keeps `Object.create(null)` objects as
  // hash tables (~150 B for a few keys), a literal whose prototype is then set to null as a compact object.
  const connectParams: Record<string, unknown> = {};
  if (typeof payload.params === "object" && payload.params !== null) {
    for (const [k, v] of Object.entries(payload.params)) {
      if (k !== "_csrf_token" && k !== "__proto__") connectParams[k] = v;
    }
  }
  return Object.setPrototypeOf(connectParams, null);
}

/** Whether a verified token's data has the shape the dead render signs (older shapes are refused). */
function isSessionToken(data: unknown): data is SessionToken {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    typeof d.id === "string" && typeof d.v === "string" && typeof d.r === "string" && typeof d.g === "string"
  );
}

/**
 * The URL of a join. Characters a URL parser silently drops or rewrites (control characters, backslashes)
 * are refused, so the URL a view sees is the one the client sent.
 */
function parseUrl(value: unknown): URL | null {
  if (typeof value !== "string" || value.length > 8192 || hasUnsafeUrlChars(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}
