import type { Behaviour, ExitReason, ProcessFn, SpawnOptions } from "./behaviour.js";
import { checkTimeout } from "./clock.js";
import { callerOrThrow, currentProc } from "./context.js";
import { describeValue } from "./describe.js";
import { assertPid, Pid, type Ref } from "./pid.js";
import type { ProcessInfo, ProcessInfoOptions } from "./process_info.js";
import { receive as receiveIn } from "./receive.js";
import { type Dest, Runtime, type RuntimeOptions } from "./runtime.js";
import type { Timer } from "./timers.js";

// The free functions act on the runtime of the calling process, or on the default runtime outside any process.

let defaultRuntime: Runtime | null = null;

/** The runtime of the calling process, or the default runtime (created on first use). */
export function runtime(): Runtime {
  const p = currentProc();
  // Every process's runtime is a Runtime: the record types it as the smaller ProcRuntime only so that
  // process.ts does not import runtime.ts (which imports it).
  if (p !== null) return p.rt as Runtime;
  return (defaultRuntime ??= new Runtime());
}

/** Creates an isolated runtime (its own scheduler, names, timers and node name). */
export function createRuntime(opts?: RuntimeOptions): Runtime {
  return new Runtime(opts);
}

/**
 * Starts a process and returns its pid. `target` is a behaviour (`{ init, handleInfo, handleCall, ... }`) or an
 * async function that uses `receive`. A sync `init` runs before `spawn` returns.
 *
 * ```ts
 * const counter = spawn({ init: (n: number) => n, handleInfo: (_msg: "inc", n) => n + 1 }, 0);
 * ```
 */
export function spawn<A>(target: Behaviour<any, any, A> | ProcessFn<A>, args?: A, opts?: SpawnOptions): Pid {
  return runtime().spawn(target, args, opts);
}

/**
 * Sends `msg` to a pid (a dead pid is a no-op), a registered name or `{ global: name }` (an unknown name
 * throws). A pid of another node gets it through the runtime's transport (see `Runtime.distribute`).
 */
export function send(dest: Dest, msg: unknown): void {
  // Every message takes this path. A pid leads to its process and so to its runtime, so this skips what
  // `runtime().send` would cost first (finding the caller's runtime, only to go to the pid's); names still
  // resolve in the caller's runtime.
  if (dest instanceof Pid) {
    const p = dest._p;
    if (p !== null) {
      p.rt.scheduler.deliver(p, msg);
      return;
    }
  }
  runtime().send(dest, msg);
}

/** The pid of the calling process. Works in every handler, also after `await` in an async one. */
export function self(): Pid {
  return callerOrThrow("self").pid;
}

/**
 * In a function process: waits for the oldest message that `match` accepts (any message without `match`);
 * the others stay queued in order. Rejects with a `TimeoutError` after `timeoutMs`.
 */
export function receive<T = any>(match?: (msg: any) => boolean, timeoutMs?: number): Promise<T> {
  const me = callerOrThrow("receive");
  if (me.beh !== null) {
    throw new Error("receive: only function processes receive; a behaviour gets its messages in handleInfo");
  }
  if (me.waiter !== null) throw new Error("receive: this process is already waiting in receive");
  if (match !== undefined && typeof match !== "function") {
    throw new TypeError(`receive: match must be a function, got ${describeValue(match)}`);
  }
  checkTimeout(timeoutMs, "receive");
  return receiveIn(me, match, timeoutMs);
}

/**
 * Sends a request to a behaviour's `handleCall` and waits for the reply. Rejects with a `CallError` on
 * timeout (default 5000 ms; a late reply is then dropped), if the process is not alive, if it exits first, or
 * (a process of another node) with `noconnection` if its node is down or goes down first.
 */
export function call<R = any>(dest: Dest, request: unknown, timeoutMs = 5000): Promise<R> {
  return runtime().call(dest, request, timeoutMs);
}

/** Sends a request to a behaviour's `handleCast`. Never fails, even if nobody is there (as in Erlang). */
export function cast(dest: Dest, request: unknown): void {
  runtime().cast(dest, request);
}

/** Links the calling process with `pid`: when one exits abnormally, the other gets the exit signal. */
export function link(pid: Pid): void {
  runtime().link(pid);
}

/** Removes the link between the calling process and `pid`. */
export function unlink(pid: Pid): void {
  runtime().unlink(pid);
}

/** Monitors `pid`: the calling process gets one `{ type: "DOWN", ref, pid, reason }` when it exits. */
export function monitor(pid: Pid): Ref {
  return runtime().monitor(pid);
}

/** Removes a monitor; `{ flush: true }` also removes its DOWN message if it is already queued. */
export function demonitor(ref: Ref, opts?: { flush?: boolean }): boolean {
  return runtime().demonitor(ref, opts);
}

/** Sends an exit signal to `pid` with `reason` (`"kill"` cannot be trapped). */
export function exit(pid: Pid, reason: ExitReason): void {
  runtime().exit(pid, reason);
}

/** Sets whether the calling process traps exits (exit signals arrive as EXIT messages); returns the old value. */
export function trapExit(on: boolean): boolean {
  return runtime().trapExit(on);
}

/** Whether `pid` is a live process. */
export function isAlive(pid: Pid): boolean {
  if (!(pid instanceof Pid)) throw new TypeError(`isAlive: expected a Pid, got ${describeValue(pid)}`);
  return pid._p !== null || runtime().isAlive(pid);
}

/** Registers `name` for `pid` (throws if the name is taken, the pid has a name, or is dead). */
export function register(name: string, pid: Pid): void {
  runtime().register(name, pid);
}

/** Frees a registered name; false if it was not registered. */
export function unregister(name: string): boolean {
  return runtime().unregister(name);
}

/** The pid registered as `name`, or undefined. */
export function whereis(name: string): Pid | undefined {
  return runtime().whereis(name);
}

/**
 * Every live process of the caller's runtime (the default one outside a process), oldest first, as Erlang's
 * `processes()`. Needs the runtime's process table (see `RuntimeOptions.processTable`); throws without one.
 */
export function processes(): Pid[] {
  return runtime().processes();
}

/** What a live process of this Node process is doing (Erlang's `process_info`), or undefined. */
export function processInfo(pid: Pid, opts?: ProcessInfoOptions): ProcessInfo | undefined {
  assertPid(pid, "processInfo");
  const p = pid._p;
  return p === null ? undefined : (p.rt as unknown as Runtime).processInfo(pid, opts);
}

/** Sends `msg` to `dest` after `ms` milliseconds. A timer to a pid is cancelled when that process exits. */
export function sendAfter(dest: Pid | string, msg: unknown, ms: number): Timer {
  return runtime().sendAfter(dest, msg, ms);
}

/** Cancels a timer: the milliseconds left (it will never deliver), or false if it already fired or was cancelled. */
export function cancelTimer(timer: Timer): number | false {
  return runtime().cancelTimer(timer);
}
