/**
 * A growable first-in first-out ring buffer, kept as three plain fields on its owner rather than as an object of
 * its own: a process carries its mailbox this way (an idle process pays for no mailbox object, and a busy one
 * never shifts an array), and the scheduler's run queue is a ring too.
 */
export interface Ring<T> {
  /** The slots, a power-of-two long (so `& (length - 1)` wraps an index); null until the first push. */
  buf: (T | undefined)[] | null;
  /** Index of the oldest item. */
  head: number;
  /** Number of queued items. */
  count: number;
}

/** Appends `item`; a null `buf` gets `firstSize` slots (a power of two), a full one doubles. */
export function push<T>(ring: Ring<T>, item: T, firstSize: number): void {
  let buf = ring.buf;
  if (buf === null) {
    buf = ring.buf = new Array(firstSize);
  } else if (ring.count === buf.length) {
    buf = grow(ring, buf);
  }
  buf[(ring.head + ring.count) & (buf.length - 1)] = item;
  ring.count++;
}

/** Removes and returns the oldest item. The caller checks `count > 0` first. */
export function shift<T>(ring: Ring<T>): T {
  const buf = ring.buf!;
  const head = ring.head;
  const item = buf[head] as T;
  buf[head] = undefined; // let the item be collected
  ring.head = (head + 1) & (buf.length - 1);
  ring.count--;
  return item;
}

/** The `i`-th oldest item (0 = oldest). */
export function peek<T>(ring: Ring<T>, i: number): T {
  const buf = ring.buf!;
  return buf[(ring.head + i) & (buf.length - 1)] as T;
}

/** Removes the `i`-th oldest item, keeping the others in order (selective receive). */
export function removeAt<T>(ring: Ring<T>, i: number): T {
  const buf = ring.buf!;
  const mask = buf.length - 1;
  const item = buf[(ring.head + i) & mask] as T;
  for (let j = i; j > 0; j--) {
    buf[(ring.head + j) & mask] = buf[(ring.head + j - 1) & mask];
  }
  buf[ring.head] = undefined;
  ring.head = (ring.head + 1) & mask;
  ring.count--;
  return item;
}

/** Swaps the `i`-th oldest item with the oldest, so `shift` takes it next (the scheduler's random order). */
export function swapToHead<T>(ring: Ring<T>, i: number): void {
  const buf = ring.buf!;
  const at = (ring.head + i) & (buf.length - 1);
  const t = buf[at];
  buf[at] = buf[ring.head];
  buf[ring.head] = t;
}

function grow<T>(ring: Ring<T>, buf: (T | undefined)[]): (T | undefined)[] {
  const next = new Array(buf.length * 2);
  for (let i = 0; i < ring.count; i++) next[i] = buf[(ring.head + i) & (buf.length - 1)];
  ring.head = 0;
  ring.buf = next;
  return next;
}
