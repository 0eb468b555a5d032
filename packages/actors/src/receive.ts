import { outsideContext } from "./context.js";
import type { Proc, Waiter } from "./process.js";
import { peek, removeAt } from "./ring.js";

// Selective receive, for function processes: a waiting `receive` is a `Waiter` on the process record, and a
// message that arrives while it waits goes straight to it when it matches (see `offer`).

/** Thrown by `receive` when no matching message arrives in time. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** The oldest queued message `match` accepts, or the next one to arrive (see `receive` in api.ts). */
export function receive(
  me: Proc,
  match: ((msg: any) => boolean) | undefined,
  timeoutMs: number | undefined,
): Promise<any> {
  for (let i = 0; i < me.count; i++) {
    const msg = peek(me, i);
    if (match === undefined || match(msg)) return Promise.resolve(removeAt(me, i));
  }
  return new Promise((resolve, reject) => {
    const w: Waiter = { match, resolve, reject, timer: null };
    me.waiter = w;
    if (timeoutMs !== undefined && timeoutMs !== Number.POSITIVE_INFINITY) {
      const clock = me.rt.clock;
      w.timer = outsideContext(() =>
        clock.setTimeout(() => {
          if (me.waiter !== w) return;
          me.waiter = null;
          reject(new TimeoutError(`receive: no matching message within ${timeoutMs} ms`));
        }, timeoutMs),
      );
    }
  });
}

/** Hands `msg` to the receive `p` is waiting in, if it matches; returns whether it was taken. */
export function offer(p: Proc, w: Waiter, msg: unknown): boolean {
  if (w.match !== undefined) {
    try {
      if (!w.match(msg)) return false; // truthy, as when receive scans the queued messages
    } catch (err) {
      // The matcher is the receiver's code: its failure belongs to the receiver, not to the sender.
      settleWaiter(p, w);
      w.reject(err);
      return false;
    }
  }
  settleWaiter(p, w);
  w.resolve(msg);
  return true;
}

/** Ends `p`'s wait: no more messages go to it, and its timeout is cancelled. */
export function settleWaiter(p: Proc, w: Waiter): void {
  p.waiter = null;
  if (w.timer !== null) p.rt.clock.clearTimeout(w.timer);
}
