/**
 * Helpers for the endpoint tests: start an endpoint on a free port with its log lines collected,
 * fetch a page as a browser would (cookies, CSRF token, container attributes), and a raw `ws` client
 * that speaks the channel protocol by hand.
 */

import net from "node:net";
import { createRuntime } from "@cinder/actors";
import {
  createEndpoint,
  createLogger,
  type Endpoint,
  type EndpointOptions,
  type Routes,
} from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import WebSocket from "ws";

export const SECRET = "integration-test-secret-0123456789abcdef";
let pubsubs = 0;

export interface Started {
  endpoint: Endpoint;
  port: number;
  base: string;
  logs: string[];
  /**
   * What the runtime of its socket and view processes reported (crashes, with their stacks): kept here, out
   * of the test output, for the tests that crash a view on purpose to check.
   */
  crashes: string[];
}

/** An endpoint on a free port, logging at debug into `logs`, its processes' crash reports into `crashes`. */
export async function startEndpoint(
  routes: (endpoint: () => Endpoint) => Routes,
  opts: Partial<EndpointOptions> = {},
): Promise<Started> {
  const logs: string[] = [];
  const crashes: string[] = [];
  const runtime =
    opts.runtime ?? createRuntime({ logger: (level, msg) => crashes.push(`[${level}] ${msg}`) });
  const pubsub = await PubSub.start({ name: `lv-it-${process.pid}-${++pubsubs}`, runtime });
  let endpoint: Endpoint | undefined;
  endpoint = createEndpoint({
    routes: routes(() => endpoint!),
    pubsub,
    secret: SECRET,
    logger: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    runtime,
    ...opts,
  });
  const port = await endpoint.listen(0, "127.0.0.1");
  return { endpoint, port, base: `http://127.0.0.1:${port}`, logs, crashes };
}

/** A page as the browser got it. */
export interface Page {
  status: number;
  html: string;
  /** The `Cookie` header a browser would send back. */
  cookie: string;
  csrf: string;
  id: string;
  session: string;
  staticToken: string;
}

export async function fetchPage(
  base: string,
  path = "/",
  headers: Record<string, string> = {},
): Promise<Page> {
  const res = await fetch(base + path, { headers });
  const html = await res.text();
  const attr = (re: RegExp) => re.exec(html)?.[1] ?? "";
  return {
    status: res.status,
    html,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; "),
    csrf: attr(/<meta name="csrf-token" content="([^"]+)"/),
    id: attr(/<div id="(phx-[^"]+)" data-phx-main/),
    session: attr(/data-phx-session="([^"]+)"/),
    staticToken: attr(/data-phx-static="([^"]+)"/),
  };
}

/** A frame as received: `[join_ref, ref, topic, event, payload]`. */
export type Frame = [string | null, string | null, string, string, any];

/** A hand-driven websocket client: send any bytes, read frames in order. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];
  #read = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(String(data)));
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.#waiters.splice(0)) w();
      }),
    );
  }

  /** Opens `/live/websocket` with the page's cookie and token (each overridable). */
  static connect(
    base: string,
    page: Page,
    opts: { csrf?: string; cookie?: string; origin?: string | null; vsn?: string } = {},
  ): Promise<RawClient> {
    const q = new URLSearchParams({ _csrf_token: opts.csrf ?? page.csrf, vsn: opts.vsn ?? "2.0.0" });
    const headers: Record<string, string> = { cookie: opts.cookie ?? page.cookie };
    if (opts.origin !== null) headers.origin = opts.origin ?? base;
    const ws = new WebSocket(`${base.replace("http", "ws")}/live/websocket?${q}`, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new RawClient(ws)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /**
   * The next unread frame matching `pred`; frames before it that do not match are skipped. The deadline is
   * generous (a busy machine); the frame is returned as soon as it arrives.
   */
  async next(pred: (f: Frame) => boolean = () => true, timeoutMs = 15_000): Promise<Frame> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      while (this.#read < this.frames.length) {
        const f = this.frames[this.#read++];
        if (pred(f)) return f;
      }
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error("socket closed while waiting for a frame");
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The reply to `ref`. */
  reply(ref: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f[3] === "phx_reply" && f[1] === ref, timeoutMs);
  }

  /** Sends a push and resolves to its reply payload `{status, response}`. */
  async push(joinRef: string | null, ref: string, topic: string, event: string, payload: unknown) {
    this.send([joinRef, ref, topic, event, payload]);
    return (await this.reply(ref))[4] as { status: "ok" | "error"; response: any };
  }

  /** Joins the page's view with join_ref = ref = `ref`. */
  join(page: Page, ref = "1", extra: Record<string, unknown> = {}) {
    return this.push(ref, ref, `lv:${page.id}`, "phx_join", {
      url: "http://127.0.0.1/",
      params: { _csrf_token: page.csrf, _mounts: 0 },
      session: page.session,
      static: page.staticToken,
      ...extra,
    });
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Sends `raw` bytes over a fresh TCP connection to `port` and resolves with everything the server wrote
 * before closing (send `Connection: close`; a refused upgrade closes too; a 101 is read up to its head): the head and body as latin1.
 */
export function rawHttp(port: number, raw: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      const text = Buffer.concat(chunks).toString("latin1");
      const cut = text.indexOf("\r\n\r\n");
      const head = cut < 0 ? text : text.slice(0, cut);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: cut < 0 ? "" : text.slice(cut + 4) });
    };
    sock.setTimeout(10_000, () => {
      sock.destroy();
      if (!settled) reject(new Error(`no answer within 10 s to ${JSON.stringify(raw.slice(0, 120))}`));
      settled = true;
    });
    sock.on("data", (d) => {
      chunks.push(d);
      // A 101 never closes by itself: its head is all this helper reads.
      if (/^HTTP\/1\.1 101 /.test(Buffer.concat(chunks).toString("latin1"))) {
        done();
        sock.destroy();
      }
    });
    sock.on("error", done);
    sock.on("close", done);
    // Written, not ended: a half-closed connection could end a websocket before its 101 is read.
    sock.write(raw);
  });
}
