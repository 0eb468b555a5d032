import type { Clock } from "./clock.js";
import { outsideContext } from "./context.js";
import { describeValue } from "./describe.js";
import type { Names } from "./names.js";
import { Pid } from "./pid.js";
import type { Proc } from "./process.js";

/** A timer made by `sendAfter`. Pass it to `cancelTimer`. */
export class Timer {
  /** @internal The clock's handle while armed; null once fired or cancelled. */ handle: unknown = null;
  /** @internal The timers of the runtime that armed it (a process's timers may be of another runtime). */
  owner: Timers | null = null;
  /** @internal */
  constructor(
    /** When it fires, on its runtime's clock. */
    readonly due: number,
    /** @internal A live process, a name (resolved when it fires), or null for a pid that was already dead. */
    readonly target: Proc | string | null,
    /** @internal */
    readonly msg: unknown,
  ) {}
}

/** A runtime's timers: `sendAfter` and `cancelTimer`. */
export class Timers {
  /** Timers set and not yet fired or cancelled. */
  count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly names: Names,
  ) {}

  /** Sends `msg` to `dest` after `ms` milliseconds (never sooner, never synchronously). */
  sendAfter(dest: Pid | string, msg: unknown, ms: number): Timer {
    if (typeof ms !== "number" || !(ms >= 0) || ms === Number.POSITIVE_INFINITY) {
      throw new TypeError(`sendAfter: the delay must be a finite number >= 0, got ${describeValue(ms)}`);
    }
    let target: Proc | string | null;
    if (dest instanceof Pid) target = dest._p;
    else if (typeof dest === "string") target = dest;
    else throw new TypeError(`sendAfter: expected a Pid or a registered name, got ${describeValue(dest)}`);
    const t = new Timer(this.clock.now() + ms, target, msg);
    if (target === null) return t; // a timer to a dead pid never delivers (and cancelling it returns false)
    if (typeof target !== "string") (target.timers ??= new Set()).add(t);
    t.owner = this;
    this.count++;
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
    this.count--;
    const target = t.target!;
    if (typeof target === "string") {
      const p = this.names.lookup(target);
      if (p !== undefined) p.rt.scheduler.deliver(p, t.msg);
    } else {
      target.timers?.delete(t);
      target.rt.scheduler.deliver(target, t.msg);
    }
  }

  /** Cancels a timer: the milliseconds that were left (it will never deliver), or false if it already fired. */
  cancel(t: Timer): number | false {
    if (!(t instanceof Timer)) throw new TypeError(`cancelTimer: expected a Timer, got ${describeValue(t)}`);
    if (t.owner !== null && t.owner !== this) return t.owner.cancel(t);
    if (t.handle === null) return false;
    if (t.target !== null && typeof t.target !== "string") t.target.timers?.delete(t);
    this.clear(t);
    return Math.max(0, t.due - this.clock.now());
  }

  /** Disarms `t` if it is armed (a process's timers, when it exits). */
  clear(t: Timer): void {
    if (t.handle === null) return;
    this.clock.clearTimeout(t.handle);
    t.handle = null;
    this.count--;
  }
}
