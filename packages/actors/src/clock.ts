import { describeValue } from "./describe.js";

/** Time as the runtime sees it: inject one to drive `sendAfter`, `call` and `receive` timeouts in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now` and Node's timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Throws a TypeError unless `ms` is undefined or a number >= 0 (Infinity allowed). */
export function checkTimeout(ms: unknown, fn: string): void {
  if (ms !== undefined && (typeof ms !== "number" || !(ms >= 0))) {
    throw new TypeError(`${fn}: the timeout must be a number >= 0 (or Infinity), got ${describeValue(ms)}`);
  }
}
