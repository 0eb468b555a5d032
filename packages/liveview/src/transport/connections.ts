import type { Pid, Runtime } from "@cinder/actors";
import { send } from "@cinder/actors";
import type { WebSocket } from "ws";
import type { Logger } from "../logger.js";
import { Connection } from "./connection.js";
import { Outbox } from "./outbox.js";
import { type Transport, TransportClosed } from "./transport.js";
import { sendText } from "./ws_write.js";

/** Frames are held until every runnable process has run, but never longer than this (see {@link Outbox}). */
const WRITE_HOLD_MS = 50;

/** How {@link Connections} is set up by the endpoint. */
export interface ConnectionsOptions {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Spawns the socket process that reads and writes through `transport`. */
  readonly spawnSocket: (transport: Transport) => Pid;
  /** Bytes queued for a websocket that does not read before it is dropped. */
  readonly maxBuffered: number;
  /** Close a websocket that sent nothing for this many ms. */
  readonly idleTimeout: number;
}

/**
 * The endpoint's open websockets: each one's {@link Connection} and socket process, the shared
 * {@link Outbox} their frames go out through, and the sweep that closes idle ones.
 */
export class Connections {
  readonly #opts: ConnectionsOptions;
  readonly #conns = new Set<Connection>();
  /** Frames for the websockets, written together once the scheduler is idle (see {@link Outbox}). */
  readonly #outbox: Outbox;
  #sweep: NodeJS.Timeout | null = null;

  constructor(opts: ConnectionsOptions) {
    this.#opts = opts;
    this.#outbox = new Outbox(
      (ws, frame) => this.#write(ws, frame),
      () => opts.runtime.stats().runQueue === 0,
      WRITE_HOLD_MS,
    );
  }

  /** Open websocket connections. */
  get size(): number {
    return this.#conns.size;
  }

  /**
   * Takes an upgraded websocket: one Connection (the transport), one socket process (spawned by
   * `spawnSocket`, default the live socket's), one watch.
   */
  accept(ws: WebSocket, spawnSocket: (transport: Transport) => Pid = this.#opts.spawnSocket): void {
    const conn = new Connection(ws, this.#outbox, this.#conns, this.#opts.logger);
    conn.pid = spawnSocket(conn);
    conn.listen();
    this.#conns.add(conn);
    this.#startSweep();
    // Whatever ends the socket process (a protocol violation, a flood, a bug) ends the websocket too.
    this.#opts.runtime.watch(conn.pid, () => conn.socketExited());
  }

  /** Writes one frame to a websocket that is still open and still reading. */
  #write(ws: WebSocket, frame: string | Buffer): void {
    if (ws.readyState !== ws.OPEN) return;
    // A client that stops reading must not make the server buffer for it without end.
    if (ws.bufferedAmount > this.#opts.maxBuffered) {
      this.#opts.logger.log(
        "warn",
        `closing websocket: client not reading (${ws.bufferedAmount} bytes buffered)`,
      );
      ws.terminate();
      return;
    }
    if (typeof frame === "string") sendText(ws, frame);
    else ws.send(frame, { binary: true });
  }

  #startSweep(): void {
    if (this.#sweep !== null) return;
    const idle = this.#opts.idleTimeout;
    this.#sweep = setInterval(
      () => {
        const now = Date.now();
        for (const c of this.#conns) {
          if (now - c.lastSeen > idle) {
            this.#opts.logger.log("info", `closing websocket idle for ${now - c.lastSeen} ms (no heartbeat)`);
            c.ws.terminate();
          }
        }
      },
      Math.max(50, Math.floor(idle / 4)),
    );
    this.#sweep.unref();
  }

  /** The socket processes of the open websockets. */
  pids(): Pid[] {
    return [...this.#conns].map((c) => c.pid);
  }

  /**
   * Starts closing every websocket with 1001 (going away; clients reconnect elsewhere), after what is
   * queued for it went out, and tells each socket process.
   */
  closeAll(): void {
    if (this.#sweep !== null) clearInterval(this.#sweep);
    this.#outbox.flush();
    for (const c of this.#conns) c.ws.close(1001, "server shutting down");
    for (const c of this.#conns) send(c.pid, new TransportClosed());
  }

  /** Drops the websockets still open (after the grace period of a shutdown). */
  terminateAll(): void {
    for (const c of this.#conns) c.ws.terminate();
  }
}
