import {
  type Behaviour,
  type Clock,
  createRuntime,
  type Runtime,
  type RuntimeOptions,
  type SpawnOptions,
} from "@cinder/actors";
import type fc from "fast-check";

/** A small seeded PRNG (mulberry32): the same seed gives the same interleaving. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A manual clock. Time moves only in `advance`, which fires due timers in time order (ties in the order they
 * were set). With `early > 0` every timer fires that many ms before it is due, as Node's timers may.
 */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();
  constructor(private readonly early = 0) {}

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms - this.early), seq: id, fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** The next timer due at or before `end`, if any. */
  private next(end: number): [number, FakeTimer] | undefined {
    let best: [number, FakeTimer] | undefined;
    for (const e of this.timers) {
      if (e[1].at > end) continue;
      if (best === undefined || e[1].at < best[1].at || (e[1].at === best[1].at && e[1].seq < best[1].seq))
        best = e;
    }
    return best;
  }

  /** Moves time forward by `ms`, firing due timers synchronously, one at a time. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let e = this.next(end); e !== undefined; e = this.next(end)) {
      this.timers.delete(e[0]);
      this.t = Math.max(this.t, e[1].at);
      e[1].fn();
    }
    this.t = end;
  }

  /** Like `advance`, but lets `flush` run (the scheduler, async handlers) first and after each timer fires. */
  async advanceAsync(ms: number, flush: () => Promise<void>): Promise<void> {
    await flush(); // first let pending work set its timers, at the current time
    const end = this.t + ms;
    for (let e = this.next(end); e !== undefined; e = this.next(end)) {
      this.timers.delete(e[0]);
      this.t = Math.max(this.t, e[1].at);
      e[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Log lines collected from a runtime's logger. */
export type LogLines = { level: string; message: string }[];

/** An isolated runtime whose log lines are collected instead of printed. */
export function quietRuntime(opts: RuntimeOptions = {}): { rt: Runtime; logs: LogLines } {
  const logs: LogLines = [];
  const rt = createRuntime({ logger: (level, message) => logs.push({ level, message }), ...opts });
  return { rt, logs };
}

export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs `rt` until nothing is left to do: the run queue is empty, async handlers have settled, and every task
 * of the fast-check scheduler `s` (if given) has been released, in the order `s` picks.
 */
export async function settle(rt: Runtime, s?: fc.Scheduler): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    await rt.drain();
    await tick();
    if (rt.stats().runQueue > 0) continue;
    if (s !== undefined && s.count() > 0) {
      await s.waitOne();
      continue;
    }
    return;
  }
  throw new Error("settle: the runtime never went quiet");
}

/** Waits (in event-loop turns) until `cond` holds. */
export async function until(cond: () => boolean, what = "condition", turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`until: ${what} never held`);
}

/**
 * Runs `fn` inside a new function process of `rt` and resolves with its result (or rejects with its error).
 * The process exits when `fn` returns.
 */
export function inProcess<T>(rt: Runtime, fn: () => T | Promise<T>, opts?: SpawnOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    rt.spawn(
      async () => {
        try {
          resolve(await fn());
        } catch (e) {
          reject(e);
        }
      },
      undefined,
      opts,
    );
  });
}

/** A promise with its resolve function, to hold an async handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    open = r;
  });
  return { promise, open };
}

/** A behaviour whose handleInfo records each message, then waits for `g` (so mail piles up meanwhile). */
export function blocked(handled: unknown[], g: { promise: Promise<void> }): Behaviour {
  return {
    init: () => null,
    handleInfo: async (m, s) => {
      handled.push(m);
      await g.promise;
      return s;
    },
  };
}
