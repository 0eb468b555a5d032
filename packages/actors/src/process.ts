import type { Behaviour, From } from "./behaviour.js";
import type { Mailbox } from "./mailbox.js";
import { Pid, type Ref } from "./pid.js";
import type { Runtime } from "./runtime.js";
import type { LinkSet, MonitorTable } from "./small.js";

/** Process flags, kept as bits of one small integer. */
export const QUEUED = 1; // on the run queue
export const SUSPENDED = 2; // an async callback is pending: do not run, let mail queue
export const DEAD = 4;
export const TRAP_EXIT = 8;
export const FN = 16; // a function process (uses receive), not a behaviour
export const ASYNC_INFO = 32; // handleInfo is an `async` function: run it inside the async context
export const ASYNC_CALL = 64;
export const ASYNC_CAST = 128;
export const ASYNC_TERMINATE = 256;
export const DYING = 512; // terminate is running; the process handles no more messages

/** A monitor: `watcher` (a process, or a callback for `call`) is told when `target` exits. */
export interface Monitor {
  readonly ref: Ref;
  readonly watcher: Proc | ((reason: unknown) => void);
  readonly target: Proc;
}

/** A pending `receive` of a function process. */
export interface Waiter {
  match: ((msg: any) => boolean) | undefined;
  resolve: (msg: any) => void;
  reject: (err: unknown) => void;
  timer: unknown;
}

/** Opt-in mailbox bound (see `SpawnOptions.mailbox`). */
export interface MailboxLimit {
  max: number;
  onOverflow: "drop-newest" | "drop-oldest" | "exit";
}

/** Envelopes that tell a behaviour's calls and casts apart from plain messages (one `instanceof` test). */
export class Envelope {}
export class CallRequest extends Envelope {
  constructor(
    readonly request: unknown,
    readonly from: From,
  ) {
    super();
  }
}
export class CastRequest extends Envelope {
  constructor(readonly request: unknown) {
    super();
  }
}

/**
 * A process is a plain object driven by its runtime's scheduler. Fields that most processes never use (links,
 * monitors, timers, names) stay null, so an idle process costs a few hundred bytes.
 */
export class Proc implements Mailbox {
  buf: unknown[] | null = null;
  head = 0;
  count = 0;
  flags: number;
  state: unknown = undefined;
  links: LinkSet | null = null;
  monitors: MonitorTable<Monitor> | null = null;
  timers: Set<object> | null = null;
  name: string | null = null;
  waiter: Waiter | null = null;
  parent: Proc | null = null;
  limit: MailboxLimit | null = null;
  readonly pid: Pid;

  constructor(
    readonly rt: Runtime,
    id: number,
    readonly beh: Behaviour | null,
    flags: number,
  ) {
    this.flags = flags;
    this.pid = new Pid(rt.node, id, this, rt.creation);
  }
}
