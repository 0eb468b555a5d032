/**
 * The plain-JavaScript baseline: a bare run queue of objects with a ring-buffer mailbox and a handler, with
 * no semantics at all (no links, monitors, names, crash handling, fairness budget or time slicing). It is the
 * physical limit of this machine for "an object with a queue, driven by a loop", so Cinder's figures are
 * read as a ratio to it.
 */

export interface BareProc {
  box: unknown[] | null;
  head: number;
  count: number;
  queued: boolean;
  handle: (msg: any) => void;
}

export class BareScheduler {
  private q: (BareProc | undefined)[] = new Array(1024);
  private qh = 0;
  private qn = 0;

  spawn(handle: (msg: any) => void): BareProc {
    return { box: null, head: 0, count: 0, queued: false, handle };
  }

  send(p: BareProc, msg: unknown): void {
    let box = p.box;
    if (box === null) box = p.box = new Array(8);
    else if (p.count === box.length) box = p.box = grow(box, p.head, p.count);
    if (p.count === 0) p.head = 0;
    box[(p.head + p.count++) & (box.length - 1)] = msg;
    if (!p.queued) {
      p.queued = true;
      if (this.qn === this.q.length) {
        this.q = grow(this.q, this.qh, this.qn) as (BareProc | undefined)[];
        this.qh = 0;
      }
      this.q[(this.qh + this.qn++) & (this.q.length - 1)] = p;
    }
  }

  /** Runs until no process has mail. */
  run(): void {
    while (this.qn > 0) {
      const p = this.q[this.qh]!;
      this.q[this.qh] = undefined;
      this.qh = (this.qh + 1) & (this.q.length - 1);
      this.qn--;
      p.queued = false;
      // The messages there when its run began; one it sends itself meanwhile (which queued it again) waits for
      // its next run, as in Cinder: else a process looping on a message to itself runs alone while the
      // mailboxes it sends to grow.
      let n = p.count;
      while (n-- > 0) {
        const box = p.box!;
        const msg = box[p.head];
        box[p.head] = undefined;
        p.head = (p.head + 1) & (box.length - 1);
        p.count--;
        p.handle(msg);
      }
    }
  }
}

function grow(a: unknown[], head: number, count: number): unknown[] {
  const b = new Array(a.length * 2);
  for (let i = 0; i < count; i++) b[i] = a[(head + i) & (a.length - 1)];
  return b;
}
