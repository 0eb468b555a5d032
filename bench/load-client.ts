/**
 * The load generator's fake browsers. Each one does what the official client does for the deploy page, and
 * nothing more: GET the page, read the CSRF token, the signed session and static from it, open
 * `/live/websocket` with the cookie and an Origin, `phx_join` the view, answer nothing but heartbeats, and
 * time-stamp every frame it receives.
 *
 * The websocket client is a minimal one on `node:net` (handshake, masked text frames out, unmasked frames
 * in): a generator process holds thousands of sockets, and the `ws` client's per-message stream machinery
 * would cost more of the generator's CPU than the measurement can afford. Each `data` event is stamped
 * (`performance.timeOrigin + performance.now()`, comparable with the server's own stamps) before any parsing.
 *
 * Run as a child process (`bench/load.ts` forks several), a {@link Pool} is driven over IPC; the small load
 * test runs a pool in-process.
 */
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";

/** The deploy's steps, in order, and the status text each one shows (how a client recognises its diff). */
export const STEPS = ["create-org", "create-repo", "push-contents", "done"] as const;
const STEP_MARKERS = ['"Creating org"', '"Creating repo"', '"Pushing contents"', '"Done!"'];

/** Epoch ms with sub-ms precision: the clock the server stamps its broadcasts with. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

// ---------------------------------------------------------------------------------------------------------------
// One fake browser

/** Where the server is and how to reach it. */
export interface Target {
  host: string;
  port: number;
  /** Source address for this generator's sockets (spreads ports over several loopback addresses). */
  localAddress?: string;
  /** Presented to the stats paths (`/stats.json`, ...), which a production server serves only with it. */
  statsToken?: string;
}

/** What the dead render gave a browser. */
interface Page {
  cookie: string;
  csrf: string;
  id: string;
  session: string;
  static: string;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * One websocket to the server with one joined live view. Frames are handed to `onFrame` with the time
 * their bytes arrived, the payload text and the frame's length on the wire (header + payload).
 */
export class LiveClient {
  readonly topic: string;
  readonly joinRef = "1";
  private ref = 1;
  private sock: Socket | null = null;
  private pending: Buffer | null = null;
  private fragments: Buffer[] | null = null;
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
    const origin = `http://${host}:${port}`;
    const key = randomBytes(16).toString("base64");
    const accept = createHash("sha1")
      .update(key + GUID)
      .digest("base64");
    const path = `/live/websocket?_csrf_token=${encodeURIComponent(this.page.csrf)}&vsn=2.0.0`;
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
      sock.on("error", (err) => {
        if (!settled) fail(`socket error: ${err.message}`);
        else this.ended(`socket error: ${err.message}`);
      });
      sock.on("close", () => {
        if (!settled) fail("closed during connect");
        else this.ended("closed by server");
      });
      sock.on("connect", () => {
        sock.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: ${origin}\r\n` +
            `Cookie: ${this.page.cookie}\r\n\r\n`,
        );
      });
      const onHandshake = (chunk: Buffer) => {
        head += chunk.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = head.slice(0, head.indexOf("\r\n"));
        if (!/^HTTP\/1\.1 101/.test(status)) return fail(`upgrade refused: ${status}`);
        if (!head.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`))
          return fail("bad Sec-WebSocket-Accept");
        sock.off("data", onHandshake);
        // Until the join is answered, frames go to the join check; then to the measurement.
        const measure = this.onFrame;
        this.onFrame = (t, text, len) => {
          if (!text.startsWith(`["${this.joinRef}","${this.joinRef}",`)) return;
          this.onFrame = measure;
          if (text.includes('"status":"ok"')) {
            this.state = "open";
            settled = true;
            resolve();
          } else {
            fail(`join refused: ${text.slice(0, 200)}`);
          }
          void t;
          void len;
        };
        sock.on("data", (c: Buffer) => this.data(c));
        this.send(
          JSON.stringify([
            this.joinRef,
            this.joinRef,
            this.topic,
            "phx_join",
            {
              url: `${origin}/`,
              params: { _csrf_token: this.page.csrf, _mounts: 0, _mount_attempts: 0 },
              session: this.page.session,
              static: this.page.static,
              sticky: false,
            },
          ]),
        );
        const rest = Buffer.from(head.slice(end + 4), "latin1");
        if (rest.length > 0) this.data(rest);
      };
      sock.on("data", onHandshake);
    });
  }

  private ended(reason: string): void {
    if (this.state === "open" || this.state === "connecting") {
      this.state = "closed";
      this.closeReason = reason;
      this.onClose(reason);
    }
  }

  /** Parses whole frames out of what arrived; the stamp is taken before anything else. */
  private data(chunk: Buffer): void {
    const t = now();
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let off = 0;
    const n = buf.length;
    while (n - off >= 2) {
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (n - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (n - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (b1 & 0x80) {
        this.protocolError("server frame is masked");
        return;
      }
      if (n - off < hdr + len) break;
      this.frame(b0, buf.subarray(off + hdr, off + hdr + len), hdr + len, t);
      off += hdr + len;
    }
    if (off < n) this.pending = Buffer.from(buf.subarray(off));
  }

  private frame(b0: number, payload: Buffer, wire: number, t: number): void {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (opcode === 0x1 || opcode === 0x0) {
      if (!fin || this.fragments !== null) {
        (this.fragments ??= []).push(Buffer.from(payload));
        if (!fin) return;
        payload = Buffer.concat(this.fragments);
        this.fragments = null;
      }
      this.onFrame(t, payload.toString("utf8"), wire);
    } else if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.ended(`close frame ${code} ${payload.subarray(2).toString("utf8")}`);
      this.sock?.destroy();
    } else if (opcode === 0x9) {
      this.sendRaw(0x8a, payload);
    } else if (opcode !== 0xa) {
      this.protocolError(`unexpected opcode ${opcode}`);
    }
  }

  private protocolError(why: string): void {
    this.ended(`protocol error: ${why}`);
    this.sock?.destroy();
  }

  /** Sends one text frame (masked, as a client must). */
  send(text: string): void {
    this.sendRaw(0x81, Buffer.from(text, "utf8"));
  }

  private sendRaw(b0: number, payload: Buffer): void {
    const sock = this.sock;
    if (sock === null || sock.destroyed) return;
    const len = payload.length;
    const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const out = Buffer.allocUnsafe(hdr + 4 + len);
    out[0] = b0;
    if (len < 126) out[1] = 0x80 | len;
    else if (len < 65536) {
      out[1] = 0x80 | 126;
      out.writeUInt16BE(len, 2);
    } else {
      out[1] = 0x80 | 127;
      out.writeBigUInt64BE(BigInt(len), 2);
    }
    randomFillSync(out, hdr, 4);
    for (let i = 0; i < len; i++) out[hdr + 4 + i] = payload[i] ^ out[hdr + (i & 3)];
    sock.write(out);
  }

  /** `[null, ref, "phoenix", "heartbeat", {}]`, as phoenix.js sends every 30 s. */
  heartbeat(): void {
    if (this.state === "open")
      this.send(JSON.stringify([null, String(++this.ref), "phoenix", "heartbeat", {}]));
  }

  /** A click on a `phx-click` element: `event` push with `{type: "click", event, value}`. */
  click(event: string): void {
    this.send(
      JSON.stringify([
        this.joinRef,
        String(++this.ref),
        this.topic,
        "event",
        { type: "click", event, value: {} },
      ]),
    );
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
    if (this.state === "open") this.sendRaw(0x88, Buffer.from([0x03, 0xe8]));
    if (this.state === "open" || this.state === "connecting") this.state = "closed";
    this.sock?.end();
    const s = this.sock;
    setTimeout(() => s?.destroy(), 500).unref();
  }
}

/** GET / as a browser with no cookies: the CSRF cookie it is given, the token and the view's tokens. */
function getPage(target: Target, agent: Agent): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: "/",
        agent,
        localAddress: target.localAddress,
        headers: { accept: "text/html" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`GET / answered ${res.statusCode}`));
          const html = Buffer.concat(chunks).toString("utf8");
          const cookie = (res.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
          const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
          const view =
            /<div id="([^"]+)" data-phx-main data-phx-session="([^"]+)" data-phx-static="([^"]*)"/.exec(html);
          if (csrf === undefined || view === null)
            return reject(new Error("GET /: no CSRF token or no live view"));
          resolve({ cookie, csrf: unescapeAttr(csrf), id: view[1], session: view[2], static: view[3] });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function unescapeAttr(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

// ---------------------------------------------------------------------------------------------------------------
// A pool of fake browsers: what one generator process runs

/** What a pool is told to do. */
export interface PoolConfig {
  /** Which generator this is (0-based); names it in reports. */
  worker: number;
  target: Target;
  clients: number;
  /** Connects (GET + websocket + join) in flight at once. */
  concurrency: number;
  /** Heartbeat period per client (phoenix.js: 30 000 ms), spread evenly over the clients. */
  heartbeatMs: number;
  /** Fraction of clients cut (socket destroyed, no close frame) when this pool first sees step `cutAtStep`. */
  cutFraction: number;
  cutAtStep: number;
}

/** Commands from the coordinator. */
export type PoolCommand =
  | { type: "connect"; upTo?: number }
  | { type: "clock"; samples: number }
  | { type: "arm" }
  | { type: "results" }
  | { type: "close" };

/** Reports to the coordinator. */
export type PoolEvent =
  | { type: "ready"; worker: number }
  | { type: "progress"; worker: number; joined: number; failed: number }
  | {
      type: "connected";
      worker: number;
      joined: number;
      failed: number;
      start: number;
      end: number;
      joinMs: number[];
    }
  | { type: "clock"; worker: number; offsetMs: number; rttMs: number }
  | { type: "step"; worker: number; step: number; at: number }
  | { type: "results"; worker: number; results: PoolResults }
  | { type: "closed"; worker: number };

/** Everything a pool measured. `arrivals[step][i]` is NaN when client `i` never got that step. */
export interface PoolResults {
  worker: number;
  clients: number;
  /** Clients that joined. */
  joined: number;
  /** Clients cut on purpose (excluded from the step figures). */
  cut: number[];
  /** Per step, per client: epoch ms of arrival. */
  arrivals: Float64Array[];
  /** Per step: wire length of the step's frame -> how many clients got a frame of that length. */
  wireBytes: Record<string, number>[];
  /** Per step: payload length (the JSON text) -> count. */
  payloadBytes: Record<string, number>[];
  /** Anything that went wrong: connect failures, unexpected closes, steps missing, out of order, repeated. */
  errors: string[];
  errorCount: number;
  /** Clients whose connection ended without our asking (after joining). */
  dropped: number;
  /** Frames received after joining, by kind. */
  frames: { steps: number; otherDiffs: number; replies: number; other: number };
  /** Between `arm` and `results`: this process's CPU time and event-loop utilisation (1 = saturated). */
  cpuMs: number;
  wallMs: number;
  elu: number;
  /** Event-loop utilisation during the step fan-outs only (first arrival to last, per step). */
  fanoutElu: number;
}

const MAX_ERRORS = 50;

export class Pool {
  private readonly clients: (LiveClient | null)[];
  private readonly arrivals: Float64Array[];
  private readonly got: Uint8Array;
  private readonly stepCount = new Int32Array(STEPS.length);
  private readonly stepReported = new Uint8Array(STEPS.length);
  private readonly wire: Map<number, number>[] = STEPS.map(() => new Map());
  private readonly payload: Map<number, number>[] = STEPS.map(() => new Map());
  private readonly errors: string[] = [];
  private errorCount = 0;
  private readonly cutSet = new Set<number>();
  private cutDone = false;
  private dropped = 0;
  private live = 0;
  private joined = 0;
  private readonly frames = { steps: 0, otherDiffs: 0, replies: 0, other: 0 };
  private readonly agent: Agent;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private armed: {
    cpu: NodeJS.CpuUsage;
    wall: number;
    elu: ReturnType<typeof performance.eventLoopUtilization>;
  } | null = null;
  private fanoutEluStart: ReturnType<typeof performance.eventLoopUtilization> | null = null;
  private fanoutElu: { idle: number; active: number } = { idle: 0, active: 0 };

  constructor(
    private readonly cfg: PoolConfig,
    private readonly emit: (e: PoolEvent) => void,
  ) {
    this.clients = new Array(cfg.clients).fill(null);
    this.arrivals = STEPS.map(() => new Float64Array(cfg.clients).fill(Number.NaN));
    this.got = new Uint8Array(cfg.clients);
    this.agent = new Agent({ keepAlive: true, maxSockets: cfg.concurrency });
    // Every k-th client is cut, so the cut ones are spread over the connect order.
    if (cfg.cutFraction > 0) {
      const every = 1 / cfg.cutFraction;
      for (let x = every / 2; x < cfg.clients; x += every) this.cutSet.add(Math.floor(x));
    }
  }

  handle(cmd: PoolCommand): void {
    switch (cmd.type) {
      case "connect":
        void this.connectAll(Math.min(cmd.upTo ?? this.cfg.clients, this.cfg.clients));
        break;
      case "clock":
        void this.clock(cmd.samples);
        break;
      case "arm":
        this.armed = {
          cpu: process.cpuUsage(),
          wall: performance.now(),
          elu: performance.eventLoopUtilization(),
        };
        break;
      case "results":
        this.emit({ type: "results", worker: this.cfg.worker, results: this.results() });
        break;
      case "close":
        this.close();
        this.emit({ type: "closed", worker: this.cfg.worker });
        break;
    }
  }

  private error(msg: string): void {
    this.errorCount++;
    if (this.errors.length < MAX_ERRORS) this.errors.push(`worker ${this.cfg.worker}: ${msg}`);
  }

  /** Estimates this process's clock offset to the server's (server - ours), from the fastest round trip. */
  private async clock(samples: number): Promise<void> {
    const { offsetMs, rttMs } = await clockOffset(this.cfg.target, samples);
    this.emit({ type: "clock", worker: this.cfg.worker, offsetMs, rttMs });
  }

  /** Clients connected so far (by index): a connect command continues from here. */
  private nextClient = 0;

  /** Connects clients up to index `n` (exclusive), `concurrency` at a time; reports when done. */
  private async connectAll(n: number): Promise<void> {
    const joinMs: number[] = [];
    let failed = 0;
    const start = now();
    let lastProgress = start;
    const one = async (i: number) => {
      const t0 = now();
      try {
        const c = await LiveClient.open(this.cfg.target, this.agent);
        joinMs.push(now() - t0);
        this.clients[i] = c;
        this.joined++;
        this.live++;
        c.onFrame = (t, text, wire) => this.frame(i, t, text, wire);
        c.onClose = (reason) => {
          this.dropped++;
          this.leave(i);
          this.error(`client ${i} lost its connection: ${reason}`);
          this.checkSteps();
        };
      } catch (err) {
        failed++;
        this.error(`client ${i} could not connect and join: ${(err as Error).message}`);
      }
      const t = now();
      if (t - lastProgress > 1000) {
        lastProgress = t;
        this.emit({ type: "progress", worker: this.cfg.worker, joined: this.joined, failed });
      }
    };
    const lanes = Array.from({ length: Math.max(1, Math.min(this.cfg.concurrency, n)) }, async () => {
      while (this.nextClient < n) await one(this.nextClient++);
    });
    await Promise.all(lanes);
    const end = now();
    if (this.heartbeatTimer === null) this.startHeartbeats();
    this.emit({
      type: "connected",
      worker: this.cfg.worker,
      joined: this.joined,
      failed,
      start,
      end,
      joinMs,
    });
  }

  /** phoenix.js heartbeats every 30 s; here each client keeps that period, the clients spread over it. */
  private startHeartbeats(): void {
    const tickMs = 250;
    const ticks = Math.max(1, Math.round(this.cfg.heartbeatMs / tickMs));
    let tick = 0;
    this.heartbeatTimer = setInterval(() => {
      const slot = tick++ % ticks;
      for (let i = slot; i < this.clients.length; i += ticks) this.clients[i]?.heartbeat();
    }, tickMs);
  }

  private frame(i: number, t: number, text: string, wire: number): void {
    // `[join_ref, null, topic, "diff", payload]`: a server push. Anything with a ref is a reply.
    if (!text.startsWith('["1",null,')) {
      if (text.startsWith("[null,")) this.frames.replies++;
      else this.frames.other++;
      return;
    }
    if (!text.includes(',"diff",')) {
      this.frames.other++;
      return;
    }
    let step = -1;
    for (let s = 0; s < STEP_MARKERS.length; s++) {
      if (text.includes(STEP_MARKERS[s])) {
        step = s;
        break;
      }
    }
    if (step < 0) {
      this.frames.otherDiffs++;
      return;
    }
    this.frames.steps++;
    const expected = this.got[i];
    if (step !== expected) {
      this.error(
        step < expected
          ? `client ${i} got ${STEPS[step]} again (or out of order) after ${STEPS[expected - 1]}`
          : `client ${i} got ${STEPS[step]} before ${STEPS[expected]}`,
      );
      if (step < expected) return;
    }
    this.got[i] = step + 1;
    this.arrivals[step][i] = t;
    bump(this.wire[step], wire);
    bump(this.payload[step], Buffer.byteLength(text));
    if (this.stepCount[step]++ === 0 && this.armed !== null) {
      // The first arrival of a step opens its fan-out window for the event-loop utilisation figure.
      this.fanoutEluStart = performance.eventLoopUtilization();
    }
    if (step === this.cfg.cutAtStep && !this.cutDone && this.cutSet.size > 0) this.cutNow();
    this.checkSteps();
  }

  /** Cuts the chosen clients at once, in the middle of a fan-out, half with an RST, half with a FIN. */
  private cutNow(): void {
    this.cutDone = true;
    let k = 0;
    for (const i of this.cutSet) {
      const c = this.clients[i];
      if (c === null || c.state !== "open") continue;
      c.cut(k++ % 2 === 0);
      this.leave(i);
    }
  }

  /** A client left the measurement (cut on purpose, or lost): its steps no longer count towards completion. */
  private leave(i: number): void {
    this.live--;
    for (let s = 0; s < this.got[i]; s++) this.stepCount[s]--;
  }

  /** Reports each step once every live client of this pool has it. */
  private checkSteps(): void {
    for (let s = 0; s < STEPS.length; s++) {
      if (this.stepReported[s] === 1 || this.live === 0 || this.stepCount[s] < this.live) continue;
      this.stepReported[s] = 1;
      if (this.fanoutEluStart !== null) {
        const d = performance.eventLoopUtilization(this.fanoutEluStart);
        this.fanoutElu.idle += d.idle;
        this.fanoutElu.active += d.active;
        this.fanoutEluStart = null;
      }
      this.emit({ type: "step", worker: this.cfg.worker, step: s, at: now() });
    }
  }

  private results(): PoolResults {
    const cpu = this.armed === null ? { user: 0, system: 0 } : process.cpuUsage(this.armed.cpu);
    const elu = this.armed === null ? null : performance.eventLoopUtilization(this.armed.elu);
    const cut: number[] = [];
    for (const i of this.cutSet) if (this.clients[i]?.state === "cut") cut.push(i);
    // Missing steps are errors only for clients that were open at the end.
    for (let i = 0; i < this.clients.length; i++) {
      const c = this.clients[i];
      if (c === null || c.state !== "open") continue;
      if (this.got[i] !== STEPS.length)
        this.error(`client ${i} got only ${this.got[i]} of ${STEPS.length} steps`);
    }
    const errors = [...this.errors];
    if (this.errorCount > errors.length)
      errors.push(`worker ${this.cfg.worker}: ... ${this.errorCount - errors.length} more errors`);
    const fan = this.fanoutElu.active + this.fanoutElu.idle;
    return {
      worker: this.cfg.worker,
      clients: this.cfg.clients,
      joined: this.joined,
      cut,
      arrivals: this.arrivals,
      wireBytes: this.wire.map(fromCounts),
      payloadBytes: this.payload.map(fromCounts),
      errors,
      errorCount: this.errorCount,
      dropped: this.dropped,
      frames: this.frames,
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: this.armed === null ? 0 : performance.now() - this.armed.wall,
      elu: elu?.utilization ?? 0,
      fanoutElu: fan > 0 ? this.fanoutElu.active / fan : 0,
    };
  }

  private close(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    for (const c of this.clients) c?.close();
    this.agent.destroy();
  }
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function fromCounts(m: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));
}

/** GET /stats.json as JSON. */
export function getJson<T>(target: Target, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const headers = target.statsToken === undefined ? {} : { authorization: `Bearer ${target.statsToken}` };
    const req = request({ host: target.host, port: target.port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${path} answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as T);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * The server's clock minus ours, from the round trip with the smallest delay (NTP's rule): the server stamps
 * `now` in /stats.json; it was read at some instant between our send and our receipt.
 */
export async function clockOffset(
  target: Target,
  samples: number,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    const s = await getJson<{ now?: number }>(target, "/stats.json");
    const t1 = now();
    if (typeof s.now !== "number") return { offsetMs: 0, rttMs: Number.NaN };
    if (t1 - t0 < best.rttMs) best = { offsetMs: s.now - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker process entry: a pool driven by the coordinator over IPC

if (process.send !== undefined && process.env.CINDER_LOAD_WORKER === "1") {
  const cfg = JSON.parse(process.env.CINDER_LOAD_CONFIG ?? "{}") as PoolConfig;
  const send = process.send.bind(process);
  const pool = new Pool(cfg, (e) => send(e));
  process.on("message", (cmd: PoolCommand) => {
    pool.handle(cmd);
    if (cmd.type === "close") setTimeout(() => process.exit(0), 700).unref();
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", worker: cfg.worker } satisfies PoolEvent);
}
