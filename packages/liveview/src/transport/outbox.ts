import type { WebSocket } from "ws";

/** What the outbox writes with (the connections' frame writer: checks, then `sendText`). */
export type Write = (ws: WebSocket, frame: string | Buffer) => void;

/**
 * Frames waiting to be written to websockets, in the order they were sent, flushed together once the
 * process scheduler has nothing left to run (or after `maxHoldMs`, whichever comes first).
 *
 * A broadcast makes thousands of view processes render and push a frame each. Written as they are made,
 * the writes are spread over the whole run and each one wakes a client's reader by itself; held until
 * every view has run, they go out back to back: each client gets the update within the time of the
 * writes alone, and the socket writes run as one tight loop. Ordering is kept: one FIFO for all sockets.
 * The scheduler yields to the event loop every few milliseconds, so I/O is still read meanwhile; the hold
 * is bounded, so a scheduler that never goes idle still sees its frames out at least every `maxHoldMs`.
 */
export class Outbox {
  #sockets: WebSocket[] = [];
  #frames: (string | Buffer)[] = [];
  #since = 0;
  #scheduled = false;

  constructor(
    private readonly write: Write,
    /** True when no process is waiting to run. */
    private readonly idle: () => boolean,
    private readonly maxHoldMs: number,
  ) {}

  /** Queues `frame` for `ws`. */
  push(ws: WebSocket, frame: string | Buffer): void {
    this.#sockets.push(ws);
    this.#frames.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#since = performance.now();
      setImmediate(this.#check);
    }
  }

  /** Frames queued and not yet written. */
  get size(): number {
    return this.#frames.length;
  }

  readonly #check = (): void => {
    if (!this.#scheduled) return;
    if (!this.idle() && performance.now() - this.#since < this.maxHoldMs) {
      setImmediate(this.#check);
      return;
    }
    this.flush();
  };

  /** Writes everything queued, now. */
  flush(): void {
    const sockets = this.#sockets;
    const frames = this.#frames;
    this.#scheduled = false;
    if (frames.length === 0) return;
    this.#sockets = [];
    this.#frames = [];
    for (let i = 0; i < frames.length; i++) this.write(sockets[i], frames[i]);
  }
}
