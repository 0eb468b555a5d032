/**
 * One fake browser on the deploy page. It does what the official client does, and nothing more: GET the
 * page, open `/live/websocket` with the cookie and an Origin, `phx_join` the view, answer nothing but
 * heartbeats, and time-stamp every frame it receives before any parsing.
 */
import type { Agent } from "node:http";
import { connect, type Socket } from "node:net";
import { now } from "./clock.js";
import { CLOSE, encodeFrame, FrameReader, PONG, TEXT } from "./frames.js";
import { originOf, upgradeRefusal, upgradeRequest } from "./handshake.js";
import type { Target } from "./http.js";
import { clickMessage, heartbeatMessage, joinMessage } from "./messages.js";
import { getPage, type Page } from "./page.js";

/**
 * One websocket to the server with one joined live view. Frames are handed to `onFrame` with the time
 * their bytes arrived, the payload text and the frame's length on the wire (header + payload).
 */
export class LiveClient {
  readonly topic: string;
  readonly joinRef = "1";
  private ref = 1;
  private sock: Socket | null = null;
  private readonly reader = new FrameReader({
    text: (t, text, wire) => this.onFrame(t, text, wire),
    close: (code, reason) => {
      this.ended(`close frame ${code} ${reason}`);
      this.sock?.destroy();
    },
    ping: (payload) => this.sendRaw(PONG, payload),
    protocolError: (why) => {
      this.ended(`protocol error: ${why}`);
      this.sock?.destroy();
    },
  });
  /** `open` once joined; `closed` when the server or the network ended it; `cut` when we destroyed it. */
  state: "connecting" | "open" | "closed" | "cut" = "connecting";
  /** Set when the connection ended: why. */
  closeReason = "";
  onFrame: (t: number, text: string, wireLength: number) => void = () => {};
  onClose: (reason: string) => void = () => {};

  private constructor(
    private readonly target: Target,
    private readonly page: Page,
  ) {
    this.topic = `lv:${page.id}`;
  }

  /** GET /, websocket, join; resolves once the join is answered ok (rejects with why otherwise). */
  static async open(target: Target, agent: Agent): Promise<LiveClient> {
    const page = await getPage(target, agent);
    const c = new LiveClient(target, page);
    await c.connect();
    return c;
  }

  private connect(): Promise<void> {
    const { host, port, localAddress } = this.target;
    const upgrade = upgradeRequest(this.target, this.page);
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port, localAddress });
      this.sock = sock;
      sock.setNoDelay(true);
      let head = "";
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        this.state = "closed";
        this.closeReason = why;
        sock.destroy();
        reject(new Error(why));
      };
      const joined = () => {
        settled = true;
        resolve();
      };
      sock.on("error", (err) => {
        if (!settled) fail(`socket error: ${err.message}`);
        else this.ended(`socket error: ${err.message}`);
      });
      sock.on("close", () => {
        if (!settled) fail("closed during connect");
        else this.ended("closed by server");
      });
      sock.on("connect", () => sock.write(upgrade.request));
      const onHandshake = (chunk: Buffer) => {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const refused = upgradeRefusal(head, upgrade.accept);
        if (refused !== null) return fail(refused);
        sock.off("data", onHandshake);
        this.awaitJoin(joined, fail);
        sock.on("data", (c: Buffer) => this.data(c));
        this.send(joinMessage(this.joinRef, this.topic, originOf(this.target), this.page));
        const rest = Buffer.from(head.slice(end + 4), "latin1");
        if (rest.length > 0) this.data(rest);
      };
      sock.on("data", onHandshake);
    });
  }

  /** Until the join is answered, frames go to the join check; then to the measurement. */
  private awaitJoin(joined: () => void, fail: (why: string) => void): void {
    const measure = this.onFrame;
    this.onFrame = (_t, text) => {
      if (!text.startsWith(`["${this.joinRef}","${this.joinRef}",`)) return;
      this.onFrame = measure;
      if (text.includes('"status":"ok"')) {
        this.state = "open";
        joined();
      } else {
        fail(`join refused: ${text.slice(0, 200)}`);
      }
    };
  }

  private ended(reason: string): void {
    if (this.state === "open" || this.state === "connecting") {
      this.state = "closed";
      this.closeReason = reason;
      this.onClose(reason);
    }
  }

  /** The stamp is taken before anything else, parsing included. */
  private data(chunk: Buffer): void {
    this.reader.read(chunk, now());
  }

  /** Sends one text frame. */
  send(text: string): void {
    this.sendRaw(TEXT, Buffer.from(text, "utf8"));
  }

  private sendRaw(b0: number, payload: Buffer): void {
    const sock = this.sock;
    if (sock === null || sock.destroyed) return;
    sock.write(encodeFrame(b0, payload));
  }

  /** A heartbeat, as phoenix.js sends every 30 s. */
  heartbeat(): void {
    if (this.state === "open") this.send(heartbeatMessage(String(++this.ref)));
  }

  /** A click on a `phx-click` element. */
  click(event: string): void {
    this.send(clickMessage(this.joinRef, String(++this.ref), this.topic, event));
  }

  /**
   * The viewer vanishes: the TCP socket is destroyed with no close frame. `reset` sends an RST (as a crashed
   * machine's kernel answering the next segment would), otherwise a bare FIN.
   */
  cut(reset: boolean): void {
    this.state = "cut";
    const sock = this.sock;
    if (sock === null) return;
    if (reset && typeof sock.resetAndDestroy === "function") sock.resetAndDestroy();
    else sock.destroy();
  }

  /** Closes politely (close frame, then the socket). */
  close(): void {
    if (this.state === "open") this.sendRaw(CLOSE, Buffer.from([0x03, 0xe8]));
    if (this.state === "open" || this.state === "connecting") this.state = "closed";
    this.sock?.end();
    const s = this.sock;
    setTimeout(() => s?.destroy(), 500).unref();
  }
}
