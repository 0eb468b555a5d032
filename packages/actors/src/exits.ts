import type { Behaviour, ExitReason } from "./behaviour.js";
import { asyncContext, runAs } from "./context.js";
import { describeValue } from "./describe.js";
import { channels } from "./diagnostics.js";
import { notifyMonitors } from "./links.js";
import type { Logger } from "./log.js";
import { Exit } from "./messages.js";
import type { Names } from "./names.js";
import type { Pid } from "./pid.js";
import {
  ASYNC_TERMINATE,
  DEAD,
  DYING,
  NO_MAIL,
  type Proc,
  type ProcRuntime,
  SUSPENDED,
  TRAP_EXIT,
} from "./process.js";
import type { ProcessTable } from "./process_table.js";
import { settleWaiter } from "./receive.js";
import type { Timer } from "./timers.js";

/** Signals waiting to be applied; see `Exits.drain`. */
interface PendingSignal {
  target: Proc;
  from: Pid | null;
  reason: ExitReason;
  viaLink: boolean;
}

/** How processes of one runtime end: crashes, `terminate`, the exit itself, and the exit signals of links. */
export class Exits {
  /** Processes that have exited (the runtime counts live ones as spawned minus exited). */
  exited = 0;
  /** The runtime's process table, if it keeps one: a process leaves it when it exits. */
  table: ProcessTable | null = null;
  private signals: PendingSignal[] = [];
  private draining = false;

  constructor(
    private readonly rt: ProcRuntime,
    private readonly names: Names,
    private readonly log: Logger,
  ) {}

  /** A handler threw (or its promise rejected): log once, run terminate, exit with `{ error }`. */
  crash(p: Proc, err: unknown, runTerminate: boolean): void {
    p.flags &= ~SUSPENDED;
    if (p.flags & DEAD) return;
    const stack = err instanceof Error ? (err.stack ?? String(err)) : describeValue(err);
    this.log.log("error", `process ${p.pid} crashed: ${stack}`);
    if (channels.crash.hasSubscribers) channels.crash.publish({ pid: p.pid, error: err });
    const reason = { error: err };
    // As in gen_server, a failed init does not run terminate.
    if (runTerminate) this.stop(p, reason);
    else this.exit(p, reason);
  }

  /** Ends `p` with `reason` after its `terminate` callback (awaited when async). */
  stop(p: Proc, reason: ExitReason): void {
    if (p.flags & (DEAD | DYING)) return;
    if (p.beh?.terminate === undefined) return this.exit(p, reason);
    p.flags |= DYING;
    let r: unknown;
    try {
      r = runAs(p, terminate, reason, undefined);
    } catch (err) {
      this.terminateFailed(p, err);
    }
    if (r instanceof Promise) {
      r.then(
        () => this.exit(p, reason),
        (err) => {
          this.terminateFailed(p, err);
          this.exit(p, reason);
        },
      );
    } else {
      this.exit(p, reason);
    }
  }

  private terminateFailed(p: Proc, err: unknown): void {
    this.log.log(
      "error",
      `process ${p.pid} crashed in terminate: ${err instanceof Error ? err.stack : describeValue(err)}`,
    );
  }

  /**
   * The one place a process dies: release its name and timers, then tell links and monitors. Link signals are
   * queued and applied in a loop, so a long chain of links dies without deep recursion.
   */
  exit(p: Proc, reason: ExitReason): void {
    // A signal may cross runtimes (links, `exit` from outside): the dead process's own runtime does the books.
    if (p.rt !== this.rt) return p.rt.exitProc(p, reason);
    if (p.flags & DEAD) return;
    p.flags |= DEAD;
    this.exited++;
    if (this.table !== null) this.table.remove(p);
    const pid = p.pid;
    pid._p = null;
    // Names and timers are released before any EXIT or DOWN is sent (L7).
    this.names.release(p);
    if (p.timers !== null) {
      for (const t of p.timers as Set<Timer>) t.owner!.clear(t); // armed by another runtime, maybe
      p.timers = null;
    }
    if (p.waiter !== null) settleWaiter(p, p.waiter);
    p.mail.clear(); // a handler still running (killed mid-way) sees an empty mailbox and stops
    p.mail = NO_MAIL;
    p.state = undefined;
    notifyMonitors(p, reason);
    if (p.links !== null) {
      for (const l of p.links) {
        l.links!.delete(p);
        this.signals.push({ target: l, from: pid, reason, viaLink: true });
      }
      p.links = null;
    }
    p.parent = null;
    if (channels.exit.hasSubscribers) channels.exit.publish({ pid, reason });
    this.drain();
  }

  /** Sends an exit signal to `target` (from `exit`, a link, or a link to a dead process). */
  signal(target: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void {
    this.signals.push({ target, from, reason, viaLink });
    this.drain();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.signals.length; i++) {
        const s = this.signals[i];
        this.apply(s.target, s.from, s.reason, s.viaLink);
      }
    } finally {
      this.signals.length = 0;
      this.draining = false;
    }
  }

  private apply(t: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void {
    if (t.flags & DEAD) return;
    if (reason === "kill" && !viaLink) return this.exit(t, "killed");
    if (t.flags & TRAP_EXIT) return t.rt.scheduler.deliver(t, new Exit(from, reason));
    if (reason === "normal" && !from?.equals(t.pid)) return;
    this.exit(t, reason);
  }
}

function terminate(p: Proc, reason: ExitReason): unknown {
  const beh = p.beh as Behaviour;
  return p.flags & ASYNC_TERMINATE
    ? asyncContext.run(p, callTerminate, beh, reason, p.state)
    : beh.terminate!(reason, p.state);
}

// A trampoline for AsyncLocalStorage.run, which takes a function and its arguments (no closure per call).
function callTerminate(b: Behaviour, reason: unknown, state: unknown) {
  return b.terminate!(reason, state);
}
