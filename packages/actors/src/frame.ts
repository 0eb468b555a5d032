import type { ExitReason } from "./behaviour.js";
import { Pid } from "./pid.js";

/** The frame version this code writes and reads. */
export const FRAME_VERSION = 2;
/** The longest node or global name a frame may carry. */
export const MAX_NAME = 256;

// A frame is one array: [V, origin node, origin creation, destination creation, seq, kind, ...arguments],
// seq counting the frames from that incarnation of origin to this incarnation of this node (from 1). The
// creations keep two incarnations of one node name apart: a frame of (or for) an incarnation that is not
// the one up at both ends belongs to a link that is gone, and is dropped (connections.ts). The kinds
// (remote.ts applies them):
//   "s" to msg                 a message                   "k" to req              a cast
//   "c" to from ref req        a call (from: Pid | null)
//   "r" ref 1 value null       its reply                   "r" ref 0 kind reason   its failure (noproc, exit)
//   "m" to watcher ref         a monitor                   "dm" to ref             its removal
//   "d" ref target reason      the monitor's DOWN
//   "l" to from                a link                      "ul" to from            its removal
//   "x" to from reason link    an exit signal (link 1: through a link, which it ends)
//   "z"                        the link lost frames: reset it (connections.ts, `reset`)
//   "g" ...                    the global names (global_names.ts)

/** An exit reason as it travels: a crash's Error becomes `{ error: { name, message } }`. */
export function portable(reason: ExitReason): unknown {
  if (typeof reason === "object" && reason !== null && "error" in reason) {
    const e = (reason as { error: unknown }).error;
    if (e instanceof Error) return { error: { name: e.name, message: e.message } };
  }
  return reason;
}

/** A node or global name as frames carry it. */
export function isName(x: unknown): x is string {
  return typeof x === "string" && x !== "" && x.length <= MAX_NAME;
}

export function isPidOrNull(x: unknown): x is Pid | null {
  return x === null || x instanceof Pid;
}

export function isRefId(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) > 0;
}
