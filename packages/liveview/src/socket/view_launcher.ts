import type { Pid } from "@cinder/actors";
import type { LiveContext } from "../context.js";
import type { Flash } from "../flash.js";
import type { RouteMatch } from "../router.js";
import type { Channel } from "../transport/channel.js";

/** A join the socket process authorized: what the view process it starts needs to mount. */
export interface ViewStart {
  readonly ctx: LiveContext;
  readonly channel: Channel;
  readonly route: RouteMatch;
  readonly url: URL;
  /** The session data signed into the page, given to `mount`. */
  readonly session: Readonly<Record<string, unknown>>;
  readonly flash: Flash;
  readonly connectParams: Record<string, unknown>;
  /** A nested (non-sticky) child's parent view: the child stops when it does. */
  readonly parent?: Pid;
}

/**
 * How a socket process starts and feeds view processes. The view layer implements it and the endpoint
 * passes it in, so the socket layer never imports the view process.
 */
export interface ViewLauncher {
  /** Spawns the view process for an authorized join, linked to the calling socket process. */
  start(args: ViewStart): Pid;
  /** Hands a client push on a joined channel (`event`, `live_patch`, ...) to its view process. */
  push(pid: Pid, ref: string | null, event: string, payload: Record<string, unknown>): void;
}
