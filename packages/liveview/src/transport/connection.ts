import { type Pid, send } from "@cinder/actors";
import type { RawData, WebSocket } from "ws";
import type { Logger } from "../logger.js";
import type { Outbox } from "./outbox.js";
import { Incoming, type Transport, TransportClosed } from "./transport.js";

const CONNECTION = Symbol("cinder.connection");
type WsWithConnection = WebSocket & { [CONNECTION]?: Connection };

/** One websocket: the transport its socket process writes to, and when the client was last heard from. */
export class Connection implements Transport {
  lastSeen = Date.now();
  pid: Pid = null as unknown as Pid;

  constructor(
    readonly ws: WebSocket,
    private readonly outbox: Outbox,
    private readonly conns: Set<Connection>,
    readonly logger: Logger,
  ) {}

  send(frame: string | Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.outbox.push(this.ws, frame);
  }

  close(code: number, reason: string): void {
    // What was sent before the close goes out before it.
    this.outbox.flush();
    this.ws.close(code, reason);
  }

  /** The websocket closed. */
  closed(): void {
    this.conns.delete(this);
    send(this.pid, new TransportClosed());
  }

  /** The socket process ended first. */
  socketExited(): void {
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
      this.close(1011, "socket process exited");
  }

  /**
   * Attaches this connection to its websocket. The listeners are shared functions that find it on the
   * websocket, so that 10,000 connections do not cost 10,000 closures each.
   */
  listen(): void {
    (this.ws as WsWithConnection)[CONNECTION] = this;
    this.ws.on("message", onMessage);
    this.ws.on("close", onClose);
    this.ws.on("error", onError);
  }
}

function onMessage(this: WsWithConnection, data: RawData, isBinary: boolean): void {
  const conn = this[CONNECTION]!;
  conn.lastSeen = Date.now();
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  send(conn.pid, new Incoming(isBinary ? buf : buf.toString("utf8"), isBinary));
}

function onClose(this: WsWithConnection): void {
  this[CONNECTION]!.closed();
}

function onError(this: WsWithConnection, err: Error): void {
  this[CONNECTION]!.logger.log("warn", `websocket error: ${err.message}`);
}
