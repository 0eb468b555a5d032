import { randomInt } from "node:crypto";
import {
  type Behaviour,
  type ExitReason,
  type From,
  Marker,
  NO_REPLY,
  NoReply,
  type ProcessFn,
  Reply,
  type SpawnOptions,
  Stop,
} from "./behaviour.js";
import { asyncContext, currentProc, isAsyncFunction, outsideContext, running } from "./context.js";
import { channels } from "./diagnostics.js";
import { consoleLogger, type Logger } from "./log.js";
import { peek, push, removeAt, shift } from "./mailbox.js";
import { Down, Exit } from "./messages.js";
import { assertPid, describe, Pid, Ref } from "./pid.js";
import {
  ASYNC_CALL,
  ASYNC_CAST,
  ASYNC_INFO,
  ASYNC_TERMINATE,
  CallRequest,
  CastRequest,
  DEAD,
  DYING,
  Envelope,
  FN,
  type Monitor,
  Proc,
  QUEUED,
  SUSPENDED,
  TRAP_EXIT,
  type Waiter,
} from "./process.js";
import { LinkSet, MonitorTable } from "./small.js";

/** Time as the runtime sees it: inject one to drive `sendAfter`, `call` and `receive` timeouts in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options for `createRuntime`. */
export interface RuntimeOptions {
  /** The node name carried by every pid of this runtime (default `"local"`). */
  node?: string;
  /** The clock for timers and timeouts (default: `performance.now` and `setTimeout`). */
  clock?: Clock;
  /**
   * How the next scheduler turn is scheduled. The default runs turns as microtasks for up to a few
   * milliseconds, then yields to the event loop with `setImmediate`. Tests may pass their own to step turns.
   */
  schedule?: (turn: () => void) => void;
  /**
   * A random source. When given, the scheduler picks the next runnable process at random and runs one
   * message at a time, so a seeded source explores (and reproduces) interleavings.
   */
  random?: () => number;
  /** Where crashes are logged (default: stderr, filtered by `LOG_LEVEL`). */
  logger?: Logger;
}

/** A handle returned by `Runtime.watch`, to pass to `Runtime.unwatch`. Treat it as opaque. */
export type Watch = Monitor;

/** Counters for tests and dashboards. */
export interface RuntimeStats {
  /** Live processes. */
  processes: number;
  /** Processes waiting to run. */
  runQueue: number;
  /** Registered names. */
  names: number;
  /** Timers set and not yet fired or cancelled. */
  timers: number;
}

/** How many messages a process handles before it goes to the back of the run queue. */
const BUDGET = 512;
/** How long the scheduler runs before it lets the event loop do I/O. */
const SLICE_MS = 4;

const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Async-callback flags, computed once per behaviour object. */
const behaviourFlags = new WeakMap<object, number>();

/** A timer made by `sendAfter`. Pass it to `cancelTimer`. */
export class Timer {
  /** @internal */ handle: unknown = null;
  /** @internal The runtime that armed it: its clock and its timer count. */
  rt: Runtime | null = null;
  /** @internal */
  constructor(
    readonly due: number,
    readonly target: Proc | string,
    readonly msg: unknown,
  ) {}
}

/** Signals waiting to be applied; see `Runtime.drainSignals`. */
interface PendingSignal {
  target: Proc;
  from: Pid | null;
  reason: ExitReason;
  viaLink: boolean;
}

/**
 * A runtime: one scheduler, its processes, names and timers. Most programs use the default runtime through
 * the free functions (`spawn`, `send`, ...); `createRuntime` makes isolated ones for tests and for
 * simulating several nodes in one Node process.
 */
export class Runtime {
  readonly node: string;
  /** This runtime's incarnation, carried by its pids (see `Pid.creation`). */
  readonly creation = randomInt(1, 2 ** 31);
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly log: Logger;
  /** @internal */ readonly names = new Map<string, Proc>();
  private readonly random: (() => number) | undefined;
  private readonly customSchedule: ((turn: () => void) => void) | undefined;
  private nextId = 0;
  private live = 0;
  private timerCount = 0;
  private runq: (Proc | undefined)[] = new Array(256);
  private rqHead = 0;
  private rqCount = 0;
  private scheduled = false;
  private chainOpen = false;
  private sliceStart = 0;
  private signals: PendingSignal[] = [];
  private drainingSignals = false;

  constructor(opts: RuntimeOptions = {}) {
    if (opts.node !== undefined && (typeof opts.node !== "string" || opts.node === "")) {
      throw new TypeError(`createRuntime: node must be a non-empty string, got ${describe(opts.node)}`);
    }
    this.node = opts.node ?? "local";
    this.clock = opts.clock ?? realClock;
    this.random = opts.random;
    this.customSchedule = opts.schedule;
    this.log = opts.logger ?? consoleLogger();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Spawning

  /** Starts a process running `behaviour` (or the function `fn`) with `args`; returns its pid. */
  spawn<A>(target: Behaviour<any, any, A> | ProcessFn<A>, args?: A, opts: SpawnOptions = {}): Pid {
    const caller = currentProc();
    const flags = this.spawnFlags(target, opts);
    if (opts.link === true && caller === null) {
      throw new TypeError("spawn: { link: true } needs a calling process (call spawn from inside a process)");
    }
    if (opts.name !== undefined) this.checkName(opts.name, "spawn");
    const limit = opts.mailbox !== undefined ? checkMailbox(opts.mailbox) : null;
    const p = new Proc(this, ++this.nextId, flags & FN ? null : (target as Behaviour), flags);
    this.live++;
    p.limit = limit;
    if (opts.name !== undefined) {
      this.names.set(opts.name, p);
      p.name = opts.name;
    }
    // A process killed mid-handler still runs the rest of it; a child it links to gets the exit it missed.
    const orphan = opts.link === true && (caller!.flags & DEAD) !== 0;
    if (opts.link === true && !orphan) {
      p.parent = caller;
      this.addLink(caller!, p);
    }
    if (channels.spawn.hasSubscribers) channels.spawn.publish({ pid: p.pid, parent: caller?.pid ?? null });
    if (flags & FN) this.startFunction(p, target as ProcessFn<A>, args as A);
    else this.startBehaviour(p, target as Behaviour, args);
    if (orphan) this.signal(p, caller!.pid, "noproc", true);
    return p.pid;
  }

  private spawnFlags(target: unknown, opts: SpawnOptions): number {
    if (typeof opts !== "object" || opts === null) {
      throw new TypeError(`spawn: options must be an object, got ${describe(opts)}`);
    }
    let flags = opts.trapExit === true ? TRAP_EXIT : 0;
    if (typeof target === "function") return flags | FN;
    if (typeof target !== "object" || target === null || typeof (target as Behaviour).init !== "function") {
      throw new TypeError(
        `spawn: expected a behaviour ({ init, handleInfo?, ... }) or an async function, got ${describe(target)}`,
      );
    }
    let bf = behaviourFlags.get(target);
    if (bf === undefined) {
      const b = target as Behaviour;
      bf =
        (isAsyncFunction(b.handleInfo) ? ASYNC_INFO : 0) |
        (isAsyncFunction(b.handleCall) ? ASYNC_CALL : 0) |
        (isAsyncFunction(b.handleCast) ? ASYNC_CAST : 0) |
        (isAsyncFunction(b.terminate) ? ASYNC_TERMINATE : 0);
      behaviourFlags.set(target, bf);
    }
    flags |= bf;
    if (bf !== 0 || isAsyncFunction((target as Behaviour).init)) running.asyncUsed = true;
    return flags;
  }

  private startBehaviour(p: Proc, beh: Behaviour, args: unknown): void {
    const prev = running.proc;
    running.proc = p;
    let r: unknown;
    try {
      // Once async contexts are in use, even a sync init enters its own: spawned from an async process, it
      // would otherwise run in the spawner's context, and self() in a `.then` of init would name the spawner.
      r = running.asyncUsed ? asyncContext.run(p, callInit, beh, args) : beh.init(args);
    } catch (err) {
      running.proc = prev;
      this.crash(p, err, false);
      return;
    }
    running.proc = prev;
    if (r instanceof Promise) {
      p.flags |= SUSPENDED;
      r.then(
        (v) => this.afterInit(p, v),
        (err) => this.crash(p, err, false),
      );
    } else {
      this.afterInit(p, r);
    }
  }

  private afterInit(p: Proc, r: unknown): void {
    if (p.flags & DEAD) return;
    p.flags &= ~SUSPENDED;
    // A stop from init ends the process without terminate, as in gen_server.
    if (r instanceof Stop) return this.exitProc(p, r.reason);
    p.state = r;
    this.requeue(p);
  }

  private startFunction<A>(p: Proc, fn: ProcessFn<A>, args: A): void {
    running.asyncUsed = true;
    const prev = running.proc;
    running.proc = p;
    let r: unknown;
    try {
      r = asyncContext.run(p, fn, args);
    } catch (err) {
      running.proc = prev;
      this.crash(p, err, false);
      return;
    }
    running.proc = prev;
    Promise.resolve(r).then(
      () => this.exitProc(p, "normal"),
      (err) => this.crash(p, err, false),
    );
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sending

  /** Sends `msg` to a pid or a registered name. A dead pid is a no-op; an unknown name throws. */
  send(dest: Pid | string, msg: unknown): void {
    if (dest instanceof Pid) {
      const p = dest._p;
      if (p !== null) p.rt.deliver(p, msg);
      return;
    }
    if (typeof dest === "string") {
      const p = this.names.get(dest);
      if (p === undefined) throw new Error(`send: no process is registered as ${JSON.stringify(dest)}`);
      this.deliver(p, msg);
      return;
    }
    throw new TypeError(`send: expected a Pid or a registered name, got ${describe(dest)}`);
  }

  /** @internal Appends `msg` to `p`'s mailbox and makes `p` runnable. */
  deliver(p: Proc, msg: unknown): void {
    const flags = p.flags;
    if (
      (flags & (DEAD | FN | QUEUED | SUSPENDED | DYING)) === QUEUED &&
      (p.limit === null || p.count < p.limit.max)
    ) {
      push(p, msg); // the common case under load: a behaviour already on the run queue
      return;
    }
    if (flags & DEAD) return;
    if (flags & FN) {
      const w = p.waiter;
      if (w !== null && this.matches(p, w, msg)) {
        p.waiter = null;
        if (w.timer !== null) this.clock.clearTimeout(w.timer);
        w.resolve(msg);
        return;
      }
      // Only a message that stays in the mailbox counts against its bound, not one a waiting receive takes.
      if (p.limit !== null && p.count >= p.limit.max && !this.overflow(p)) return;
      push(p, msg);
      return;
    }
    if (p.limit !== null && p.count >= p.limit.max && !this.overflow(p)) return;
    push(p, msg);
    if ((p.flags & (QUEUED | SUSPENDED | DYING)) === 0) {
      p.flags |= QUEUED;
      this.enqueue(p);
    }
  }

  /** Applies the mailbox bound; returns true when the arriving message should still be queued. */
  private overflow(p: Proc): boolean {
    switch (p.limit!.onOverflow) {
      case "drop-newest":
        return false;
      case "drop-oldest":
        shift(p);
        return true;
      default:
        this.exitProc(p, "mailbox_overflow");
        return false;
    }
  }

  private matches(p: Proc, w: Waiter, msg: unknown): boolean {
    if (w.match === undefined) return true;
    try {
      return !!w.match(msg); // truthy, as when receive scans the queued messages
    } catch (err) {
      // The matcher is the receiver's code: its failure belongs to the receiver, not to the sender.
      p.waiter = null;
      if (w.timer !== null) this.clock.clearTimeout(w.timer);
      w.reject(err);
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The scheduler

  private enqueue(p: Proc): void {
    let q = this.runq;
    if (this.rqCount === q.length) {
      const bigger: (Proc | undefined)[] = new Array(q.length * 2);
      for (let i = 0; i < this.rqCount; i++) bigger[i] = q[(this.rqHead + i) & (q.length - 1)];
      this.runq = q = bigger;
      this.rqHead = 0;
    }
    q[(this.rqHead + this.rqCount) & (q.length - 1)] = p;
    this.rqCount++;
    if (!this.scheduled) this.wake();
  }

  /** The head of the run queue (the common, non-random order). */
  private shiftRunQueue(): Proc {
    const q = this.runq;
    const head = this.rqHead;
    const p = q[head]!;
    q[head] = undefined;
    this.rqHead = (head + 1) & (q.length - 1);
    this.rqCount--;
    return p;
  }

  private dequeue(): Proc {
    const q = this.runq;
    const mask = q.length - 1;
    if (this.random !== undefined && this.rqCount > 1) {
      // Swap a random runnable process to the head: a seeded source gives a reproducible interleaving.
      const i = (this.rqHead + Math.floor(this.random() * this.rqCount)) & mask;
      const t = q[i];
      q[i] = q[this.rqHead];
      q[this.rqHead] = t;
    }
    const p = q[this.rqHead]!;
    q[this.rqHead] = undefined;
    this.rqHead = (this.rqHead + 1) & mask;
    this.rqCount--;
    return p;
  }

  private wake(): void {
    this.scheduled = true;
    if (this.customSchedule !== undefined) {
      outsideContext(() => this.customSchedule!(this.turn));
      return;
    }
    // Run turns as microtasks while the current slice lasts (no event-loop round trip per message
    // exchange), then go through setImmediate so I/O and timers get their turn.
    const now = performance.now();
    if (!this.chainOpen) {
      this.chainOpen = true;
      this.sliceStart = now;
      outsideContext(() => {
        setImmediate(this.closeChain);
        queueMicrotask(this.turn);
      });
    } else if (now - this.sliceStart < SLICE_MS) {
      outsideContext(() => queueMicrotask(this.turn));
    } else {
      outsideContext(() => setImmediate(this.turnAfterYield));
    }
  }

  private readonly closeChain = (): void => {
    this.chainOpen = false;
  };

  private readonly turnAfterYield = (): void => {
    this.sliceStart = performance.now();
    this.turn();
  };

  /** One scheduler turn: run processes from the queue until it is empty or the time slice is used up. */
  private readonly turn = (): void => {
    const deadline = this.sliceStart + SLICE_MS;
    const budget = this.random === undefined ? BUDGET : 1;
    const stepping = this.customSchedule !== undefined;
    let n = 0;
    while (this.rqCount > 0) {
      const p = this.random === undefined ? this.shiftRunQueue() : this.dequeue();
      const flags = (p.flags &= ~QUEUED);
      if ((flags & (DEAD | SUSPENDED | DYING)) === 0) this.runProc(p, budget);
      if (stepping) break;
      if ((++n & 127) === 0 && performance.now() > deadline) break;
    }
    this.scheduled = false;
    if (this.rqCount > 0) {
      this.scheduled = true;
      if (this.customSchedule !== undefined) outsideContext(() => this.customSchedule!(this.turn));
      else outsideContext(() => setImmediate(this.turnAfterYield));
    }
  };

  private runProc(p: Proc, budget: number): void {
    running.proc = p;
    try {
      // A process may be on the queue with an empty mailbox (it was queued again while it ran and emptied it).
      while (p.count > 0 && budget-- > 0) {
        if (!this.dispatch(p, shift(p))) break;
      }
    } catch (err) {
      running.proc = null;
      this.crash(p, err, true);
      return;
    }
    running.proc = null;
    this.requeue(p);
  }

  /** Puts `p` back on the run queue if it has mail and may run. */
  private requeue(p: Proc): void {
    if (p.count > 0 && (p.flags & (DEAD | SUSPENDED | DYING | QUEUED | FN)) === 0) {
      p.flags |= QUEUED;
      this.enqueue(p);
    }
  }

  /** Runs one message through `p`'s behaviour. Returns false when `p` cannot take another message now. */
  private dispatch(p: Proc, msg: unknown): boolean {
    const beh = p.beh!;
    let r: unknown;
    let from: From | null = null;
    if (
      (p.flags & (TRAP_EXIT | ASYNC_INFO)) === 0 &&
      !(msg instanceof Envelope) &&
      beh.handleInfo !== undefined
    ) {
      // The fast path: a plain message to a sync handleInfo. A handler that returns its state object
      // unchanged skips the marker and promise tests.
      const state = p.state;
      r = beh.handleInfo(msg, state);
      if (r === state && (p.flags & DEAD) === 0) return true;
    } else if (msg instanceof Envelope) {
      if (msg instanceof CallRequest) {
        from = msg.from;
        if (beh.handleCall === undefined)
          throw new Error("handleCall is not defined, but the process got a call");
        r =
          p.flags & ASYNC_CALL
            ? asyncContext.run(p, callHandleCall, beh, msg.request, from, p.state)
            : beh.handleCall(msg.request, from, p.state);
      } else {
        if (beh.handleCast === undefined)
          throw new Error("handleCast is not defined, but the process got a cast");
        const req = (msg as CastRequest).request;
        r =
          p.flags & ASYNC_CAST
            ? asyncContext.run(p, callHandleCast, beh, req, p.state)
            : beh.handleCast(req, p.state);
      }
    } else {
      if (p.flags & TRAP_EXIT && p.parent !== null && msg instanceof Exit && p.parent.pid.equals(msg.from)) {
        // gen_server's rule: an exit signal from the parent ends a trapping behaviour (with terminate).
        this.stopProc(p, msg.reason);
        return false;
      }
      if (beh.handleInfo === undefined) {
        this.log("warn", `process ${p.pid} has no handleInfo; dropped a message: ${describe(msg)}`);
        return true;
      }
      r =
        p.flags & ASYNC_INFO
          ? asyncContext.run(p, callHandleInfo, beh, msg, p.state)
          : beh.handleInfo(msg, p.state);
    }
    if (r instanceof Promise) {
      p.flags |= SUSPENDED;
      r.then(
        (v) => this.resume(p, v, from),
        (err) => this.crash(p, err, true),
      );
      return false;
    }
    return this.settle(p, r, from);
  }

  /** Applies a handler's result. Returns false when the process stopped. */
  private settle(p: Proc, r: unknown, from: From | null): boolean {
    if (p.flags & DEAD) return false;
    if (!(r instanceof Marker)) {
      if (from !== null) {
        // gen_server's bad_return_value: a call left without an answer would only time out, far from the bug.
        const got = describe(r);
        this.crash(
          p,
          new TypeError(
            `handleCall must return reply(value, state), noreply(state) or stop(...), got ${got}`,
          ),
          true,
        );
        return false;
      }
      p.state = r;
      return true;
    }
    if (r instanceof Reply) {
      if (from !== null) replyTo(from, r.value);
      p.state = r.state;
      return true;
    }
    if (r instanceof NoReply) {
      p.state = r.state;
      return true;
    }
    if (r instanceof Stop) {
      if (from !== null && r.reply !== NO_REPLY) replyTo(from, r.reply);
      if (r.state !== undefined) p.state = r.state;
      this.stopProc(p, r.reason);
      return false;
    }
    return true;
  }

  private resume(p: Proc, r: unknown, from: From | null): void {
    if (p.flags & DEAD) return;
    p.flags &= ~SUSPENDED;
    if (this.settle(p, r, from)) this.requeue(p);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Exits

  /** A handler threw (or its promise rejected): log once, run terminate, exit with `{ error }`. */
  private crash(p: Proc, err: unknown, runTerminate: boolean): void {
    p.flags &= ~SUSPENDED;
    if (p.flags & DEAD) return;
    const stack = err instanceof Error ? (err.stack ?? String(err)) : describe(err);
    this.log("error", `process ${p.pid} crashed: ${stack}`);
    if (channels.crash.hasSubscribers) channels.crash.publish({ pid: p.pid, error: err });
    const reason = { error: err };
    // As in gen_server, a failed init does not run terminate.
    if (runTerminate) this.stopProc(p, reason);
    else this.exitProc(p, reason);
  }

  /** Ends `p` with `reason` after its `terminate` callback (awaited when async). */
  private stopProc(p: Proc, reason: ExitReason): void {
    if (p.flags & (DEAD | DYING)) return;
    const terminate = p.beh?.terminate;
    if (terminate === undefined) return this.exitProc(p, reason);
    p.flags |= DYING;
    const prev = running.proc;
    running.proc = p;
    let r: unknown;
    try {
      r =
        p.flags & ASYNC_TERMINATE
          ? asyncContext.run(p, callTerminate, p.beh!, reason, p.state)
          : p.beh!.terminate!(reason, p.state);
    } catch (err) {
      this.log(
        "error",
        `process ${p.pid} crashed in terminate: ${err instanceof Error ? err.stack : describe(err)}`,
      );
    }
    running.proc = prev;
    if (r instanceof Promise) {
      r.then(
        () => this.exitProc(p, reason),
        (err) => {
          this.log(
            "error",
            `process ${p.pid} crashed in terminate: ${err instanceof Error ? err.stack : describe(err)}`,
          );
          this.exitProc(p, reason);
        },
      );
    } else {
      this.exitProc(p, reason);
    }
  }

  /**
   * @internal The one place a process dies: release its name and timers, then tell links and monitors.
   * Link signals are queued and applied in a loop, so a long chain of links dies without deep recursion.
   */
  exitProc(p: Proc, reason: ExitReason): void {
    // A signal may cross runtimes (links, `exit` from outside): the dead process's own runtime does the books.
    if (p.rt !== this) return p.rt.exitProc(p, reason);
    if (p.flags & DEAD) return;
    p.flags |= DEAD;
    this.live--;
    const pid = p.pid;
    pid._p = null;
    // Names and timers are released before any EXIT or DOWN is sent (L7).
    if (p.name !== null) {
      this.names.delete(p.name);
      p.name = null;
    }
    if (p.timers !== null) {
      for (const t of p.timers as Set<Timer>) t.rt!.clearTimer(t); // set by another runtime, maybe
      p.timers = null;
    }
    if (p.waiter !== null) {
      if (p.waiter.timer !== null) this.clock.clearTimeout(p.waiter.timer);
      p.waiter = null;
    }
    p.buf = null;
    p.count = 0;
    p.state = undefined;
    if (p.monitors !== null) {
      for (const m of p.monitors.values()) {
        if (m.target === p) {
          const w = m.watcher;
          if (typeof w === "function") w(reason);
          else {
            w.monitors?.delete(m.ref);
            this.deliverTo(w, new Down(m.ref, pid, reason));
          }
        } else {
          m.target.monitors?.delete(m.ref);
        }
      }
      p.monitors = null;
    }
    if (p.links !== null) {
      for (const l of p.links) {
        l.links!.delete(p);
        this.signals.push({ target: l, from: pid, reason, viaLink: true });
      }
      p.links = null;
    }
    p.parent = null;
    if (channels.exit.hasSubscribers) channels.exit.publish({ pid, reason });
    this.drainSignals();
  }

  /** @internal Sends an exit signal to `target` (from `exit` or from a link). */
  signal(target: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void {
    this.signals.push({ target, from, reason, viaLink });
    this.drainSignals();
  }

  private drainSignals(): void {
    if (this.drainingSignals) return;
    this.drainingSignals = true;
    try {
      for (let i = 0; i < this.signals.length; i++) {
        const s = this.signals[i];
        this.applySignal(s.target, s.from, s.reason, s.viaLink);
      }
    } finally {
      this.signals.length = 0;
      this.drainingSignals = false;
    }
  }

  private applySignal(t: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void {
    if (t.flags & DEAD) return;
    if (reason === "kill" && !viaLink) return this.exitProc(t, "killed");
    if (t.flags & TRAP_EXIT) return this.deliverTo(t, new Exit(from, reason));
    if (reason === "normal" && !from?.equals(t.pid)) return;
    this.exitProc(t, reason);
  }

  /** Delivery on the proc's own runtime (links and monitors may cross runtimes). */
  private deliverTo(p: Proc, msg: unknown): void {
    p.rt.deliver(p, msg);
  }

  /** See `call`: names resolve in this runtime. */
  call<R = any>(dest: Pid | string, request: unknown, timeoutMs = 5000): Promise<R> {
    checkTimeout(timeoutMs, "call");
    if (dest instanceof Pid) return callProc(this, dest._p, dest, request, timeoutMs);
    if (typeof dest === "string")
      return callProc(this, this.names.get(dest) ?? null, dest, request, timeoutMs);
    throw new TypeError(`call: expected a Pid or a registered name, got ${describe(dest)}`);
  }

  /** See `cast`: names resolve in this runtime. */
  cast(dest: Pid | string, request: unknown): void {
    let p: Proc | null = null;
    if (dest instanceof Pid) p = dest._p;
    else if (typeof dest === "string") p = this.names.get(dest) ?? null;
    else throw new TypeError(`cast: expected a Pid or a registered name, got ${describe(dest)}`);
    if (p !== null) p.rt.deliver(p, new CastRequest(request));
  }

  // ---------------------------------------------------------------------------------------------------------
  // Links, monitors, exit

  /** Links the calling process and `pid`. Linking a dead pid sends the caller an exit with `"noproc"`. */
  link(pid: Pid): void {
    assertPid(pid, "link");
    const me = callerOrThrow("link");
    const t = pid._p;
    if (t === null) return this.signal(me, pid, "noproc", true);
    if (t !== me) this.addLink(me, t);
  }

  /** Removes the link between the calling process and `pid`, if any. */
  unlink(pid: Pid): void {
    assertPid(pid, "unlink");
    const me = callerOrThrow("unlink");
    const t = pid._p;
    if (t === null) return;
    me.links?.delete(t);
    t.links?.delete(me);
  }

  private addLink(a: Proc, b: Proc): void {
    (a.links ??= new LinkSet()).add(b);
    (b.links ??= new LinkSet()).add(a);
  }

  /** Monitors `pid` from the calling process: one `DownMessage` with this ref when it exits. */
  monitor(pid: Pid): Ref {
    assertPid(pid, "monitor");
    const me = callerOrThrow("monitor");
    const ref = new Ref();
    const t = pid._p;
    if (t === null) {
      this.deliverTo(me, new Down(ref, pid, "noproc"));
      return ref;
    }
    const m: Monitor = { ref, watcher: me, target: t };
    (t.monitors ??= new MonitorTable()).add(m);
    (me.monitors ??= new MonitorTable()).add(m);
    return ref;
  }

  /**
   * Watches `pid` from outside any process: `onDown(reason)` runs once, synchronously, when it exits. This is a
   * monitor without a mailbox (no Ref or DOWN message to match), for libraries that keep per-process state,
   * such as `call` and `@cinder/pubsub`. Returns a handle for `unwatch`, or null if `pid` is not alive (then
   * `onDown` never runs). `onDown` runs while the process is being torn down: keep it short, and do not throw.
   */
  watch(pid: Pid, onDown: (reason: ExitReason) => void): Watch | null {
    const t = pid._p;
    if (t === null) return null;
    const m: Monitor = { ref: new Ref(), watcher: onDown, target: t };
    (t.monitors ??= new MonitorTable()).add(m);
    return m;
  }

  /** Cancels a `watch`: its `onDown` will not run. Cancelling twice, or after the exit, does nothing. */
  unwatch(m: Watch): void {
    m.target.monitors?.delete(m.ref);
  }

  /** Removes a monitor; with `{ flush: true }` also drops its DOWN message if already queued. */
  demonitor(ref: Ref, opts: { flush?: boolean } = {}): boolean {
    if (!(ref instanceof Ref)) throw new TypeError(`demonitor: expected a Ref, got ${describe(ref)}`);
    const me = callerOrThrow("demonitor");
    const m = me.monitors?.get(ref);
    if (m !== undefined) {
      me.monitors!.delete(ref);
      m.target.monitors?.delete(ref);
    }
    if (opts.flush === true) {
      for (let i = 0; i < me.count; i++) {
        const msg = peek(me, i);
        if (msg instanceof Down && msg.ref === ref) {
          removeAt(me, i);
          break;
        }
      }
    }
    return true;
  }

  /**
   * Sends an exit signal to `pid`. `"kill"` cannot be trapped (the process dies with `"killed"`);
   * `"normal"` is ignored unless `pid` is the caller; any other reason kills a process that does not trap exits.
   */
  exit(pid: Pid, reason: ExitReason): void {
    assertPid(pid, "exit");
    const t = pid._p;
    if (t === null) return;
    this.signal(t, currentProc()?.pid ?? null, reason, false);
  }

  /** Sets whether the calling process traps exits; returns the previous setting. */
  trapExit(on: boolean): boolean {
    const me = callerOrThrow("trapExit");
    const was = (me.flags & TRAP_EXIT) !== 0;
    if (on) me.flags |= TRAP_EXIT;
    else me.flags &= ~TRAP_EXIT;
    return was;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Receive (function processes)

  /** @internal See `receive`. */
  receive(me: Proc, match: ((msg: any) => boolean) | undefined, timeoutMs: number | undefined): Promise<any> {
    for (let i = 0; i < me.count; i++) {
      const msg = peek(me, i);
      if (match === undefined || match(msg)) return Promise.resolve(removeAt(me, i));
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = { match, resolve, reject, timer: null };
      me.waiter = w;
      if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) {
        w.timer = outsideContext(() =>
          this.clock.setTimeout(() => {
            if (me.waiter !== w) return;
            me.waiter = null;
            reject(new TimeoutError(`receive: no matching message within ${timeoutMs} ms`));
          }, timeoutMs),
        );
      }
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Names

  /** Registers `name` for `pid`. Throws if the name is taken, the pid already has a name, or it is dead. */
  register(name: string, pid: Pid): void {
    this.checkName(name, "register");
    assertPid(pid, "register");
    const p = pid._p;
    if (p === null) throw new Error(`register: ${pid} is not alive`);
    // As in Erlang (badarg for a remote pid): the name must live in the registry its process's exit clears.
    if (p.rt !== this) throw new Error(`register: ${pid} belongs to another runtime; register it there`);
    if (p.name !== null)
      throw new Error(`register: ${pid} is already registered as ${JSON.stringify(p.name)}`);
    this.names.set(name, p);
    p.name = name;
  }

  /** Frees `name`; returns false if it was not registered. */
  unregister(name: string): boolean {
    const p = this.names.get(name);
    if (p === undefined) return false;
    this.names.delete(name);
    p.name = null;
    return true;
  }

  /** The pid registered as `name`, or undefined. */
  whereis(name: string): Pid | undefined {
    return this.names.get(name)?.pid;
  }

  private checkName(name: unknown, fn: string): void {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`${fn}: a name must be a non-empty string, got ${describe(name)}`);
    }
    if (this.names.has(name))
      throw new Error(`${fn}: the name ${JSON.stringify(name)} is already registered`);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Timers

  /** Sends `msg` to `dest` after `ms` milliseconds (never sooner, never synchronously). */
  sendAfter(dest: Pid | string, msg: unknown, ms: number): Timer {
    if (typeof ms !== "number" || !(ms >= 0) || ms === Number.POSITIVE_INFINITY) {
      throw new TypeError(`sendAfter: the delay must be a finite number >= 0, got ${describe(ms)}`);
    }
    let target: Proc | string;
    if (dest instanceof Pid) {
      const p = dest._p;
      const t = new Timer(this.clock.now() + ms, p ?? "", msg);
      if (p === null) return t; // a timer to a dead pid never delivers
      target = p;
    } else if (typeof dest === "string") {
      target = dest;
    } else {
      throw new TypeError(`sendAfter: expected a Pid or a registered name, got ${describe(dest)}`);
    }
    const t = new Timer(this.clock.now() + ms, target, msg);
    if (typeof target !== "string") (target.timers ??= new Set()).add(t);
    t.rt = this;
    this.timerCount++;
    this.arm(t, ms);
    return t;
  }

  private arm(t: Timer, ms: number): void {
    t.handle = outsideContext(() => this.clock.setTimeout(() => this.fire(t), ms));
  }

  private fire(t: Timer): void {
    // Node may fire a timeout a fraction of a millisecond early; a timer message never arrives early (L9).
    const left = t.due - this.clock.now();
    if (left > 0) return this.arm(t, Math.ceil(left));
    t.handle = null;
    this.timerCount--;
    const target = t.target;
    if (typeof target === "string") {
      const p = this.names.get(target);
      if (p !== undefined) this.deliverTo(p, t.msg);
    } else {
      target.timers?.delete(t);
      this.deliverTo(target, t.msg);
    }
  }

  /** Cancels a timer: the milliseconds that were left (it will never deliver), or false if it already fired. */
  cancelTimer(t: Timer): number | false {
    if (!(t instanceof Timer)) throw new TypeError(`cancelTimer: expected a Timer, got ${describe(t)}`);
    if (t.rt !== null && t.rt !== this) return t.rt.cancelTimer(t);
    if (t.handle === null) return false;
    if (typeof t.target !== "string") t.target.timers?.delete(t);
    this.clearTimer(t);
    return Math.max(0, t.due - this.clock.now());
  }

  private clearTimer(t: Timer): void {
    if (t.handle === null) return;
    this.clock.clearTimeout(t.handle);
    t.handle = null;
    this.timerCount--;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Introspection

  /** Whether `pid` is a live process. */
  isAlive(pid: Pid): boolean {
    assertPid(pid, "isAlive");
    return pid._p !== null;
  }

  /** Counters: live processes, run queue length, names, pending timers. */
  stats(): RuntimeStats {
    return { processes: this.live, runQueue: this.rqCount, names: this.names.size, timers: this.timerCount };
  }

  /** Resolves once no process is waiting to run (handy in tests). */
  async drain(): Promise<void> {
    while (this.scheduled || this.rqCount > 0) await new Promise((r) => setImmediate(r));
  }
}

// Trampolines for AsyncLocalStorage.run, which takes a function and its arguments (no closure per message).
function callInit(b: Behaviour, args: unknown) {
  return b.init(args);
}
function callHandleInfo(b: Behaviour, msg: unknown, state: unknown) {
  return b.handleInfo!(msg, state);
}
function callHandleCall(b: Behaviour, req: unknown, from: From, state: unknown) {
  return b.handleCall!(req, from, state);
}
function callHandleCast(b: Behaviour, req: unknown, state: unknown) {
  return b.handleCast!(req, state);
}
function callTerminate(b: Behaviour, reason: unknown, state: unknown) {
  return b.terminate!(reason, state);
}

function checkMailbox(m: SpawnOptions["mailbox"]) {
  if (typeof m !== "object" || m === null || !Number.isInteger(m.max) || m.max < 1) {
    throw new TypeError(`spawn: mailbox.max must be an integer >= 1, got ${describe(m?.max)}`);
  }
  const onOverflow = m.onOverflow ?? "drop-newest";
  if (onOverflow !== "drop-newest" && onOverflow !== "drop-oldest" && onOverflow !== "exit") {
    throw new TypeError(`spawn: mailbox.onOverflow must be "drop-newest", "drop-oldest" or "exit"`);
  }
  // Bounds are few and immutable once checked: processes spawned with equal bounds share one frozen object
  // (a server with a bounded process per connection would otherwise hold one copy per connection).
  const key = `${m.max}/${onOverflow}`;
  let limit = limits.get(key);
  if (limit === undefined) {
    limit = Object.freeze({ max: m.max, onOverflow });
    if (limits.size < 64) limits.set(key, limit);
  }
  return limit;
}

const limits = new Map<
  string,
  Readonly<{ max: number; onOverflow: "drop-newest" | "drop-oldest" | "exit" }>
>();

/** @internal Throws a TypeError unless `ms` is undefined or a number >= 0 (Infinity allowed). */
export function checkTimeout(ms: unknown, fn: string): void {
  if (ms !== undefined && (typeof ms !== "number" || !(ms >= 0))) {
    throw new TypeError(`${fn}: the timeout must be a number >= 0 (or Infinity), got ${describe(ms)}`);
  }
}

/** @internal The calling process, or a clear error for functions that only make sense inside one. */
export function callerOrThrow(fn: string): Proc {
  const p = currentProc();
  if (p === null) {
    throw new Error(
      `${fn}: not called from inside a process (in a .then callback of a non-async handler the runtime cannot ` +
        "tell which process is running: declare the handler async and use await)",
    );
  }
  return p;
}

/** Thrown by `receive` when no matching message arrives in time. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

// ---------------------------------------------------------------------------------------------------------------
// Replies (shared by `call` and `replyTo`)

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: unknown;
  clock: Clock;
  monitor: Monitor | null;
}

/** Calls awaiting a reply, by ref. A reply to a ref no longer here (timed out) is dropped. */
const pendingCalls = new Map<Ref, PendingCall>();

/** Answers a call later, from a process that returned `noreply(state)`. A late reply is dropped. */
export function replyTo(from: From, value: unknown): void {
  const pc = pendingCalls.get(from.ref);
  if (pc === undefined) return;
  pendingCalls.delete(from.ref);
  pc.clock.clearTimeout(pc.timer);
  if (pc.monitor !== null) pc.monitor.target.monitors?.delete(pc.monitor.ref);
  pc.resolve(value);
}

/** Why a `call` failed. */
export class CallError extends Error {
  override name = "CallError";
  constructor(
    /** `"timeout"`, `"noproc"` (no such process), `"exit"` (it exited first), or `"calling_self"`. */
    readonly kind: "timeout" | "noproc" | "exit" | "calling_self",
    /** For `"exit"`, the server's exit reason. */
    readonly reason?: ExitReason,
    message?: string,
  ) {
    super(message ?? kind);
  }
}

/** @internal See `call`. */
export function callProc(
  rt: Runtime,
  target: Proc | null,
  dest: unknown,
  request: unknown,
  timeoutMs: number,
) {
  const caller = currentProc();
  return new Promise<any>((resolve, reject) => {
    if (target === null) {
      reject(new CallError("noproc", "noproc", `call: ${String(dest)} is not alive`));
      return;
    }
    if (target === caller) {
      reject(new CallError("calling_self", undefined, "call: a process cannot call itself"));
      return;
    }
    // The target's runtime owns the timeout: a call from outside into a runtime with a fake clock uses that clock.
    rt = target.rt;
    const ref = new Ref();
    const pc: PendingCall = { resolve, reject, timer: null, clock: rt.clock, monitor: null };
    pendingCalls.set(ref, pc);
    pc.monitor = rt.watch(target.pid, (reason) => {
      if (pendingCalls.delete(ref)) {
        rt.clock.clearTimeout(pc.timer);
        reject(new CallError("exit", reason, `call: ${target.pid} exited with ${formatReason(reason)}`));
      }
    });
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      pc.timer = outsideContext(() =>
        rt.clock.setTimeout(() => {
          if (pendingCalls.delete(ref)) {
            if (pc.monitor !== null) rt.unwatch(pc.monitor);
            reject(
              new CallError("timeout", undefined, `call: no reply from ${target.pid} within ${timeoutMs} ms`),
            );
          }
        }, timeoutMs),
      );
    }
    target.rt.deliver(target, new CallRequest(request, { pid: caller?.pid ?? null, ref }));
  });
}

function formatReason(reason: unknown): string {
  if (typeof reason === "string") return JSON.stringify(reason);
  if (typeof reason === "object" && reason !== null && "error" in reason) {
    const e = (reason as { error: unknown }).error;
    return `{ error: ${e instanceof Error ? `${e.name}: ${e.message}` : describe(e)} }`;
  }
  return describe(reason);
}
