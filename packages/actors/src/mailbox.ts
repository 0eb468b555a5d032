import type { MailboxLimit, SpawnOptions } from "./behaviour.js";
import { describeValue } from "./describe.js";
import type { CheckedLimit, Proc } from "./process.js";
import { shift } from "./ring.js";

// A process's mailbox is a ring (ring.ts) kept in the process record's own fields; this file holds its
// opt-in bound (`SpawnOptions.mailbox`).

/** Slots a mailbox starts with: most processes hold a message or two at a time. It doubles as needed. */
export const FIRST_SLOTS = 4;

const limits = new Map<string, CheckedLimit>();

/** Checks `spawn`'s `mailbox` option; equal bounds share one frozen object. */
export function checkMailbox(m: SpawnOptions["mailbox"]): CheckedLimit {
  if (typeof m !== "object" || m === null || !Number.isInteger(m.max) || m.max < 1) {
    throw new TypeError(`spawn: mailbox.max must be an integer >= 1, got ${describeValue(m?.max)}`);
  }
  const onOverflow = (m as MailboxLimit).onOverflow ?? "drop-newest";
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

/**
 * Applies `p`'s bound to a message arriving at a full mailbox; returns true when the message should still be
 * queued.
 */
export function overflow(p: Proc): boolean {
  switch (p.limit!.onOverflow) {
    case "drop-newest":
      return false;
    case "drop-oldest":
      shift(p);
      return true;
    default:
      p.rt.exitProc(p, "mailbox_overflow");
      return false;
  }
}
