/**
 * A process's mailbox: a growable ring buffer kept as three fields on the process itself, so an idle process
 * pays for no mailbox object at all and a busy one never shifts an array.
 */
export interface Mailbox {
  /** The slots, a power-of-two long; null until the first message arrives. */
  buf: unknown[] | null;
  /** Index of the oldest message. */
  head: number;
  /** Number of queued messages. */
  count: number;
}

// Small: most processes hold a message or two at a time, and an idle one keeps its slots. It doubles as needed.
const FIRST_SIZE = 4;

export function push(box: Mailbox, msg: unknown): void {
  let buf = box.buf;
  if (buf === null) {
    buf = box.buf = new Array(FIRST_SIZE);
  } else if (box.count === buf.length) {
    buf = grow(box, buf);
  }
  buf[(box.head + box.count) & (buf.length - 1)] = msg;
  box.count++;
}

/** Removes and returns the oldest message. The caller checks `count > 0` first. */
export function shift(box: Mailbox): unknown {
  const buf = box.buf!;
  const head = box.head;
  const msg = buf[head];
  buf[head] = undefined;
  box.head = (head + 1) & (buf.length - 1);
  box.count--;
  return msg;
}

/** The `i`-th oldest message (0 = oldest). */
export function peek(box: Mailbox, i: number): unknown {
  const buf = box.buf!;
  return buf[(box.head + i) & (buf.length - 1)];
}

/** Removes the `i`-th oldest message, keeping the others in order (selective receive). */
export function removeAt(box: Mailbox, i: number): unknown {
  const buf = box.buf!;
  const mask = buf.length - 1;
  const msg = buf[(box.head + i) & mask];
  for (let j = i; j > 0; j--) {
    buf[(box.head + j) & mask] = buf[(box.head + j - 1) & mask];
  }
  buf[box.head] = undefined;
  box.head = (box.head + 1) & mask;
  box.count--;
  return msg;
}

function grow(box: Mailbox, buf: unknown[]): unknown[] {
  const next = new Array(buf.length * 2);
  for (let i = 0; i < box.count; i++) next[i] = buf[(box.head + i) & (buf.length - 1)];
  box.head = 0;
  box.buf = next;
  return next;
}
