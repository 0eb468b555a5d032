import { inspect } from "node:util";
import type { Pid } from "./pid.js";
import { DEAD, DYING, FN, type Proc, QUEUED, SUSPENDED, TRAP_EXIT } from "./process.js";
import type { ProcessTable } from "./process_table.js";

/** What `processInfo(pid)` tells of a live process, as Erlang's `process_info/1`. */
export interface ProcessInfo {
  readonly pid: Pid;
  /** Its registered name, if any. */
  readonly name: string | null;
  /** `"behaviour"` (spawned with a behaviour object) or `"function"` (an async function with `receive`). */
  readonly kind: "behaviour" | "function";
  /** The behaviour's `label` (e.g. a live view's name), else null. */
  readonly label: string | null;
  /** `"running"` (on the run queue), `"waiting"` (for mail), `"suspended"` (an async callback is pending),
   * or `"exiting"` (its `terminate` runs). */
  readonly status: "running" | "waiting" | "suspended" | "exiting";
  /** Messages in its mailbox. */
  readonly mailbox: number;
  /** Up to `messages` (an option) of them, oldest first, each described in one line. */
  readonly messages: readonly string[];
  /** Processes linked to it. */
  readonly links: readonly Pid[];
  /** Processes it monitors. */
  readonly monitors: readonly Pid[];
  /** Processes (and watch callbacks, as null) monitoring it. */
  readonly monitoredBy: readonly (Pid | null)[];
  readonly trapExit: boolean;
  /** The process that spawned it linked, or the supervisor that adopted it. */
  readonly parent: Pid | null;
  /** Pending `sendAfter` timers. */
  readonly timers: number;
  /** Its state described in one line (clipped), for a glance, not for parsing. */
  readonly state: string;
  /** With a process table only (else null): messages handled, and when it was spawned and last handled one
   * (ms on `performance.now()`'s clock). */
  readonly handled: number | null;
  readonly spawnedAt: number | null;
  readonly lastActive: number | null;
}

/** Options of `processInfo`. */
export interface ProcessInfoOptions {
  /** How many waiting messages to describe (default 0). */
  messages?: number;
  /** Longest description of the state and of each message (default 200 characters). */
  maxLength?: number;
  /** Describe the state (default true); false skips it (`state` is then ""), for listing many processes. */
  state?: boolean;
}

/** The info of a live process record. */
export function describeProc(
  p: Proc,
  table: ProcessTable | null,
  opts: ProcessInfoOptions = {},
): ProcessInfo {
  const max = opts.maxLength ?? 200;
  const show = (v: unknown) => {
    const s = inspect(v, {
      depth: 2,
      breakLength: Number.POSITIVE_INFINITY,
      maxArrayLength: 10,
      maxStringLength: max,
    });
    return s.length > max ? `${s.slice(0, max - 1)}…` : s;
  };
  const flags = p.flags;
  const monitors: Pid[] = [];
  const monitoredBy: (Pid | null)[] = [];
  for (const m of p.monitors?.values() ?? []) {
    if (m.target === p) monitoredBy.push(typeof m.watcher === "function" ? null : m.watcher.pid);
    else monitors.push(m.target.pid);
  }
  const waiting: string[] = [];
  const want = Math.min(opts.messages ?? 0, p.mail.count);
  for (let i = 0; i < want; i++) waiting.push(show(p.mail.peek(i)));
  const counters = table?.counters(p);
  const label = labelOf(p);
  return {
    pid: p.pid,
    name: p.name,
    kind: flags & FN ? "function" : "behaviour",
    label,
    status:
      flags & (DYING | DEAD)
        ? "exiting"
        : flags & SUSPENDED
          ? "suspended"
          : flags & QUEUED
            ? "running"
            : "waiting",
    mailbox: p.mail.count,
    messages: waiting,
    links: [...(p.links ?? [])].map((l) => l.pid),
    monitors,
    monitoredBy,
    trapExit: (flags & TRAP_EXIT) !== 0,
    parent: p.parent?.pid ?? null,
    timers: p.timers?.size ?? 0,
    state: opts.state === false ? "" : flags & FN ? "(a function process)" : show(p.state),
    handled: counters?.handled ?? null,
    spawnedAt: counters?.spawnedAt ?? null,
    lastActive: counters?.lastActive ?? null,
  };
}

function labelOf(p: Proc): string | null {
  const label = p.beh?.label;
  if (typeof label === "string") return label;
  if (typeof label !== "function" || p.flags & FN) return null;
  try {
    const s = label(p.state);
    return typeof s === "string" ? s : null;
  } catch {
    return null; // a label is for display: a broken one shows as none
  }
}
