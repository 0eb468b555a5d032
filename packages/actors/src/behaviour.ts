import type { Pid, Ref } from "./pid.js";

/**
 * Why a process exited. `"normal"` and `"shutdown"` are quiet exits; `"killed"` follows `exit(pid, "kill")`;
 * `"noproc"` means the process was already gone; `{ error }` is a crash (a handler threw or rejected).
 * Any other value is a reason of the user's choosing.
 */
export type ExitReason = "normal" | "shutdown" | "kill" | "killed" | "noproc" | { error: unknown } | unknown;

/**
 * True for the reasons OTP does not treat as a failure: `"normal"`, `"shutdown"` and `{ shutdown: ... }`. A
 * transient child exiting so is not restarted; a LiveView channel ending so closes without an error.
 */
export function isNormalExit(reason: ExitReason): boolean {
  return (
    reason === "normal" ||
    reason === "shutdown" ||
    (typeof reason === "object" && reason !== null && "shutdown" in reason)
  );
}

/** The message a process that traps exits receives when a linked process exits (or `exit(pid, r)` is sent). */
export interface ExitMessage {
  readonly type: "EXIT";
  /** The exiting process, or null when `exit` was called from outside any process. */
  readonly from: Pid | null;
  readonly reason: ExitReason;
}

/** The message a monitoring process receives when the monitored process exits. */
export interface DownMessage {
  readonly type: "DOWN";
  readonly ref: Ref;
  readonly pid: Pid;
  readonly reason: ExitReason;
}

/** Who is waiting for a `call` reply: pass it to `replyTo` to answer later. */
export interface From {
  /** The calling process, or null when `call` was made from outside any process. */
  readonly pid: Pid | null;
  /** @internal */
  readonly ref: Ref;
}

/** What a handler may return: the next state, a `stop` marker, or a promise of either. */
export type Next<S> = S | Stop<S> | Promise<S | Stop<S>>;

/** What `handleCall` may return: a `reply` marker, a `noreply` marker, a `stop`, or a promise of one. */
export type CallNext<S, R> = Reply<S, R> | NoReply<S> | Stop<S> | Promise<Reply<S, R> | NoReply<S> | Stop<S>>;

/**
 * A behaviour process, in the spirit of gen_server. Every callback runs in the process, one message at a time.
 * Callbacks may be sync (the fast path) or async: an async callback suspends the process until it settles;
 * messages that arrive meanwhile wait in the mailbox, in order.
 *
 * @typeParam S the state; @typeParam M the messages `handleInfo` receives; @typeParam A the `init` argument;
 * @typeParam C call requests; @typeParam R call replies; @typeParam K cast requests.
 */
export interface Behaviour<S = any, M = any, A = any, C = any, R = any, K = any> {
  /** Builds the first state. Runs inside the new process, before `spawn` returns when it is sync. */
  init(args: A): S | Stop<S> | Promise<S | Stop<S>>;
  /** Any message that is not a call or a cast (including EXIT and DOWN messages). */
  handleInfo?(msg: M, state: S): Next<S>;
  /** A `call`: return `reply(value, state)`, or `noreply(state)` and answer later with `replyTo(from, value)`. */
  handleCall?(request: C, from: From, state: S): CallNext<S, R>;
  /** A `cast`. */
  handleCast?(request: K, state: S): Next<S>;
  /** Runs when the process stops by `stop(...)`, crashes, or is told to exit by its parent while trapping. */
  terminate?(reason: ExitReason, state: S): void | Promise<void>;
  /**
   * What its processes are, for people: shown by `processInfo` (and so in a dashboard), e.g. "Supervisor", or
   * made from a process's state when one behaviour serves many kinds (a live view's name).
   */
  label?: string | ((state: S) => string);
}

/**
 * The common base of the values a handler returns to say more than "the next state", so the
 * scheduler tells a plain state apart with one `instanceof` test.
 */
export class Marker {}

/** Returned from a handler to end the process with `reason`. */
export class Stop<S = unknown> extends Marker {
  /** @internal A reply to send first, when returned from `handleCall` (`NO_REPLY` for none). */
  readonly reply: unknown;

  constructor(
    readonly reason: ExitReason,
    readonly state: S | undefined,
    reply: unknown = NO_REPLY,
  ) {
    super();
    this.reply = reply;
  }
}

/** Returned from `handleCall` to answer the caller and continue with `state`. */
export class Reply<S = unknown, R = unknown> extends Marker {
  constructor(
    readonly value: R,
    readonly state: S,
  ) {
    super();
  }
}

/** Returned from `handleCall` to continue without answering yet (answer later with `replyTo`). */
export class NoReply<S = unknown> extends Marker {
  constructor(readonly state: S) {
    super();
  }
}

/** @internal Marks a `Stop` that carries no reply. */
export const NO_REPLY: unique symbol = Symbol("no reply");

/** End the process with `reason` (default `"normal"`); from `handleCall`, `reply` is sent to the caller first. */
export function stop<S>(reason: ExitReason = "normal", state?: S, reply: unknown = NO_REPLY): Stop<S> {
  return new Stop(reason, state, reply);
}

/** From `handleCall`: answer the caller with `value` and continue with `state`. */
export function reply<S, R>(value: R, state: S): Reply<S, R> {
  return new Reply(value, state);
}

/** From `handleCall`: continue with `state`, answering later with `replyTo(from, value)`. */
export function noreply<S>(state: S): NoReply<S> {
  return new NoReply(state);
}

/** A function process: `spawn(async (args) => { const m = await receive(); ... })`. */
export type ProcessFn<A = any> = (args: A) => Promise<unknown> | unknown;

/** Options for `spawn`. */
export interface SpawnOptions {
  /** Link the new process to the caller (like `spawn_link`). Requires a calling process. */
  link?: boolean;
  /** Register the new process under this name. */
  name?: string;
  /** Start trapping exits: exit signals arrive as `ExitMessage`s instead of killing the process. */
  trapExit?: boolean;
  /**
   * Bound the mailbox (an opt-in beyond Erlang). On overflow: `"drop-newest"` discards the arriving message,
   * `"drop-oldest"` discards the oldest queued one, `"exit"` kills the process with reason `"mailbox_overflow"`.
   */
  mailbox?: MailboxLimit;
}

/** What a bounded mailbox does with a message that arrives when it is full (see `SpawnOptions.mailbox`). */
export type OverflowPolicy = "drop-newest" | "drop-oldest" | "exit";

/** A mailbox bound: at most `max` queued messages; `onOverflow` defaults to `"drop-newest"`. */
export interface MailboxLimit {
  max: number;
  onOverflow?: OverflowPolicy;
}
