import { type Behaviour, type From, Marker, NO_REPLY, NoReply, Reply, Stop } from "./behaviour.js";
import { CallRequest, type CastRequest, Envelope, replyTo } from "./call.js";
import { asyncContext, outsideContext, running } from "./context.js";
import { describeValue } from "./describe.js";
import type { Exits } from "./exits.js";
import type { Logger } from "./log.js";
import { overflow } from "./mailbox.js";
import { Exit } from "./messages.js";
import type { Proc } from "./process.js";
import * as record from "./process.js";
import type { ProcessTable } from "./process_table.js";
import { offer } from "./receive.js";
import { Ring } from "./ring.js";

// The process flags, as constants of this module. Every message tests some of them, and V8 folds a module's
// own constants into optimized code, while it reads an imported binding from its module cell, checked for
// initialisation, at each use (six loads and checks per delivery; callgrind counted the difference).
const {
  ASYNC_CALL,
  ASYNC_CAST,
  ASYNC_INFO,
  DEAD,
  DYING,
  FN,
  LIMITED,
  NO_MAIL,
  QUEUED,
  SUSPENDED,
  TRAP_EXIT,
} = record;

/**
 * How many messages a process handles before it goes to the back of the run queue. The BEAM gives a process
 * 4,000 reductions, which a receive loop spends at about two a message. At 512, a consumer fed 1,000 messages
 * per turn of its producer (the one-to-one benchmark) fell further behind each round, and its mailbox grew.
 */
const BUDGET = 2048;
/** How long the scheduler runs before it lets the event loop do I/O. */
const SLICE_MS = 4;
/** Run-queue slots to start with: a power of two, doubled as needed. */
const RUN_QUEUE_SLOTS = 256;

/** How the scheduler takes turns (see `RuntimeOptions.schedule` and `RuntimeOptions.random`). */
export interface SchedulerOptions {
  schedule?: (turn: () => void) => void;
  random?: () => number;
}

/**
 * A runtime's scheduler: the run queue of processes with mail, the turns that drain it, and the dispatch of
 * each message to its process's handler.
 */
export class Scheduler {
  /** Processes waiting to run. */
  readonly runq = new Ring<Proc>(RUN_QUEUE_SLOTS);
  /** A turn is scheduled (or running). */
  scheduled = false;
  /** The runtime's process table, when it keeps one: told how many messages each turn of a process handled. */
  table: ProcessTable | null = null;
  private readonly random: (() => number) | undefined;
  private readonly customSchedule: ((turn: () => void) => void) | undefined;
  /** A chain of microtask turns is open: it closes at the next `setImmediate`. */
  private chainOpen = false;
  private sliceStart = 0;

  constructor(
    opts: SchedulerOptions,
    private readonly exits: Exits,
    private readonly log: Logger,
  ) {
    this.random = opts.random;
    this.customSchedule = opts.schedule;
  }

  /** Appends `msg` to `p`'s mailbox and makes `p` runnable. */
  deliver(p: Proc, msg: unknown): void {
    const flags = p.flags;
    let mail = p.mail;
    // The common case under load: an unbounded behaviour already on the run queue, one flag test.
    if ((flags & (DEAD | FN | QUEUED | SUSPENDED | DYING | LIMITED)) === QUEUED) {
      mail.push(msg);
      return;
    }
    if (flags & DEAD) return;
    if (flags & FN) {
      if (p.waiter !== null && offer(p, p.waiter, msg)) return;
      // Only a message that stays in the mailbox counts against its bound, not one a waiting receive takes.
      if (p.limit !== null && mail.count >= p.limit.max && !overflow(p)) return;
      if (mail === NO_MAIL) mail = p.mail = new Ring<unknown>(0);
      mail.push(msg);
      return;
    }
    if (p.limit !== null && mail.count >= p.limit.max && !overflow(p)) return;
    if (mail === NO_MAIL) mail = p.mail = new Ring<unknown>(0);
    mail.push(msg);
    if ((p.flags & (QUEUED | SUSPENDED | DYING)) === 0) {
      p.flags |= QUEUED;
      this.enqueue(p);
    }
  }

  /** Puts `p` back on the run queue if it has mail and may run. */
  requeue(p: Proc): void {
    if (p.mail.count > 0 && (p.flags & (DEAD | SUSPENDED | DYING | QUEUED | FN)) === 0) {
      p.flags |= QUEUED;
      this.enqueue(p);
    }
  }

  private enqueue(p: Proc): void {
    this.runq.push(p);
    if (!this.scheduled) this.wake();
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
    const runq = this.runq;
    let n = 0;
    while (runq.count > 0) {
      // A seeded random source picks the next process, so an interleaving is explored and reproduced.
      if (this.random !== undefined && runq.count > 1)
        runq.swapToHead(Math.floor(this.random() * runq.count));
      const p = runq.shift();
      const flags = (p.flags &= ~QUEUED);
      if ((flags & (DEAD | SUSPENDED | DYING)) === 0) this.runProc(p, budget);
      if (stepping) break;
      // Reading the clock costs more than running a short handler: look at it every 128 processes only.
      if ((++n & 127) === 0 && performance.now() > deadline) break;
    }
    this.scheduled = false;
    if (runq.count > 0) {
      this.scheduled = true;
      if (this.customSchedule !== undefined) outsideContext(() => this.customSchedule!(this.turn));
      else outsideContext(() => setImmediate(this.turnAfterYield));
    }
  };

  private runProc(p: Proc, budget: number): void {
    running.proc = p;
    const mail = p.mail;
    // A turn takes the messages that were there when it began, up to the budget; what arrives meanwhile waits
    // for the next turn. A process that sends itself a message (a loop of "go"s) would otherwise take it at
    // once, turn after turn of its budget, while whoever it sends to waits. (A process may also be on the
    // queue with an empty mailbox: it was queued again while it ran and emptied it.)
    const given = Math.min(mail.count, budget);
    let left = given;
    try {
      while (left > 0 && mail.count > 0) {
        left--;
        if (!this.dispatch(p, mail.shift())) break;
      }
    } catch (err) {
      running.proc = null;
      this.exits.crash(p, err, true);
      return;
    }
    running.proc = null;
    // Messages handled, from what is left (the loop above counts nothing more per message).
    if (this.table !== null) this.table.ran(p, given - left, performance.now());
    this.requeue(p);
  }

  /**
   * Runs one message through `p`'s behaviour. Returns false when `p` cannot take another message now. This is
   * the fast path only, a plain message to a sync handleInfo, kept small so that V8 inlines it into the run
   * loop; everything else goes through `dispatchOther`.
   */
  private dispatch(p: Proc, msg: unknown): boolean {
    const beh = p.beh!;
    if ((p.flags & (TRAP_EXIT | ASYNC_INFO)) !== 0 || msg instanceof Envelope || beh.handleInfo === undefined)
      return this.dispatchOther(p, beh, msg);
    const state = p.state;
    const r = beh.handleInfo(msg, state);
    if ((p.flags & DEAD) === 0) {
      // The state object returned unchanged, or a primitive (a counter, say): neither is a marker or a promise.
      if (r === state) return true;
      if (typeof r !== "object" || r === null) {
        p.state = r;
        return true;
      }
    }
    return this.handled(p, r, null);
  }

  /** A call, a cast, a message while trapping exits, or one for an async (or missing) handleInfo. */
  private dispatchOther(p: Proc, beh: Behaviour, msg: unknown): boolean {
    let r: unknown;
    let from: From | null = null;
    if (msg instanceof Envelope) {
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
        this.exits.stop(p, msg.reason);
        return false;
      }
      if (beh.handleInfo === undefined) {
        this.log.log("warn", `process ${p.pid} has no handleInfo; dropped a message: ${describeValue(msg)}`);
        return true;
      }
      r =
        p.flags & ASYNC_INFO
          ? asyncContext.run(p, callHandleInfo, beh, msg, p.state)
          : beh.handleInfo(msg, p.state);
    }
    return this.handled(p, r, from);
  }

  /** After a handler: wait for its promise (the process is suspended meanwhile), or apply its result. */
  private handled(p: Proc, r: unknown, from: From | null): boolean {
    if (r instanceof Promise) {
      p.flags |= SUSPENDED;
      r.then(
        (v) => this.resume(p, v, from),
        (err) => this.exits.crash(p, err, true),
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
        const got = describeValue(r);
        this.exits.crash(
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
      this.exits.stop(p, r.reason);
      return false;
    }
    return true;
  }

  /** An async handler settled: apply its result and let `p` run again. */
  resume(p: Proc, r: unknown, from: From | null): void {
    if (p.flags & DEAD) return;
    p.flags &= ~SUSPENDED;
    if (this.settle(p, r, from)) this.requeue(p);
  }
}

// Trampolines for AsyncLocalStorage.run, which takes a function and its arguments (no closure per message).
function callHandleInfo(b: Behaviour, msg: unknown, state: unknown) {
  return b.handleInfo!(msg, state);
}
function callHandleCall(b: Behaviour, req: unknown, from: From, state: unknown) {
  return b.handleCall!(req, from, state);
}
function callHandleCast(b: Behaviour, req: unknown, state: unknown) {
  return b.handleCast!(req, state);
}
