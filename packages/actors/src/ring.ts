/**
 * Slots a ring made without any gets at its first push (a power of two): a mailbox starts here, as most
 * processes hold a message or two at a time.
 */
const MIN_SLOTS = 4;

/**
 * A growable first-in first-out ring buffer: every process's mailbox and the scheduler's run queue. All of
 * them are objects of this one class, built the same way, so V8 sees one shape at the hot call sites (push and
 * shift once per message each for the mailbox and the run queue) and keeps them monomorphic and inlined. A
 * mailbox kept as fields of the process record would give these methods a second shape.
 */
export class Ring<T> {
  /** The slots, a power-of-two long (so `& (length - 1)` wraps an index); null until needed. */
  private buf: (T | undefined)[] | null;
  /** Index of the oldest item. */
  private head = 0;
  /** Number of queued items. */
  count = 0;

  /** `slots` (0 or a power of two) is allocated up front; with 0 the first push allocates a few. */
  constructor(slots: number) {
    this.buf = slots > 0 ? new Array(slots) : null;
  }

  /** Appends `item`, doubling the slots when full. */
  push(item: T): void {
    let buf = this.buf;
    if (buf === null) {
      buf = this.buf = new Array(MIN_SLOTS);
    } else if (this.count === buf.length) {
      buf = this.grow(buf);
    }
    buf[(this.head + this.count) & (buf.length - 1)] = item;
    this.count++;
  }

  /** Removes and returns the oldest item. The caller checks `count > 0` first. */
  shift(): T {
    const buf = this.buf!;
    const head = this.head;
    const item = buf[head] as T;
    buf[head] = undefined; // let the item be collected
    this.head = (head + 1) & (buf.length - 1);
    this.count--;
    return item;
  }

  /** The `i`-th oldest item (0 = oldest). */
  peek(i: number): T {
    const buf = this.buf!;
    return buf[(this.head + i) & (buf.length - 1)] as T;
  }

  /** Removes the `i`-th oldest item, keeping the others in order (selective receive). */
  removeAt(i: number): T {
    const buf = this.buf!;
    const mask = buf.length - 1;
    const head = this.head;
    const item = buf[(head + i) & mask] as T;
    for (let j = i; j > 0; j--) buf[(head + j) & mask] = buf[(head + j - 1) & mask];
    buf[head] = undefined;
    this.head = (head + 1) & mask;
    this.count--;
    return item;
  }

  /** Swaps the `i`-th oldest item with the oldest, so `shift` takes it next (the scheduler's random order). */
  swapToHead(i: number): void {
    const buf = this.buf!;
    const head = this.head;
    const at = (head + i) & (buf.length - 1);
    const t = buf[at];
    buf[at] = buf[head];
    buf[head] = t;
  }

  /** Drops every item and the slots (a dead process's mailbox). */
  clear(): void {
    this.buf = null;
    this.head = 0;
    this.count = 0;
  }

  private grow(buf: (T | undefined)[]): (T | undefined)[] {
    const next = new Array(buf.length * 2);
    const mask = buf.length - 1;
    for (let i = 0; i < this.count; i++) next[i] = buf[(this.head + i) & mask];
    this.head = 0;
    this.buf = next;
    return next;
  }
}
