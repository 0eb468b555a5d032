import type { Pid } from "@cinder/actors";
import { type Guard, isNum, isShape, isStr } from "./guards.js";

/**
 * A pid as the pages show it: its text and its number on its node. Pages hold these rather than pids, so
 * that what a remote node's agent sends is plain data, whatever the codec.
 */
export interface PidRef {
  readonly text: string;
  readonly id: number;
}

export function pidRef(pid: Pid): PidRef {
  return { text: String(pid), id: pid.id };
}

export const isPidRef: Guard<PidRef> = isShape<PidRef>({ text: isStr, id: isNum });
