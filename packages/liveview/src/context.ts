import type { Logger } from "./logger.js";
import type { Router } from "./router.js";
import type { Signer } from "./token.js";

/** What the endpoint shares with its socket and view processes: configuration, never mutable state. */
export interface LiveContext {
  readonly router: Router;
  readonly signer: Signer;
  readonly logger: Logger;
  /** The pinned client's version, echoed in join replies as `liveview_version`. */
  readonly liveviewVersion: string;
  /** Max age of a `data-phx-session` token; an older one is answered `stale`. */
  readonly sessionMaxAgeMs: number;
}
