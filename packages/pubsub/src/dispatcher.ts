import type { Pid } from "@cinder/actors";

/** One subscription, as a dispatcher sees it. */
export interface Entry {
  readonly pid: Pid;
  /** The `metadata` given to `subscribe` (undefined when none was). */
  readonly metadata: unknown;
}

/**
 * Delivers one message to a topic's subscriptions on this node. Called once per broadcast that has local
 * subscriptions, never with an empty list; `from` is the `broadcastFrom` pid (a remote pid when the broadcast
 * came from another node) or null. The default skips `from` and does `send(pid, message)` for every entry.
 * `entries` is only valid during the call (do not keep it).
 */
export type Dispatcher = (entries: readonly Entry[], from: Pid | null, message: unknown) => void;
