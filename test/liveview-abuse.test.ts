/**
 * Abuse that costs the server, over real sockets (raw `ws` and raw TCP): log lines a client can cause are cut
 * and rate-limited, a socket that keeps making protocol errors is closed (1008), a socket's event bucket
 * refuses a flood and then closes it, and the server `listen` makes bounds connections and slow headers.
 */
import net from "node:net";
import { createEndpoint, createLogger, defineLiveView, html } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import { afterEach, describe, expect, test } from "vitest";
import { counterFormView } from "./fixtures/liveview/views.js";
import { waitFor } from "./helpers/fault.js";
import { fetchPage, RawClient, SECRET, type Started, startEndpoint } from "./helpers/liveview.js";

/** A log line echoes at most ~100 characters of a client's value; whole lines stay well under this. */
const LINE_CAP = 400;
const LINES = 5;

const started: Started[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.endpoint.close(1000)));
});

async function start(opts: Parameters<typeof startEndpoint>[1] = {}): Promise<Started> {
  const s = await startEndpoint((ep) => ({ "/": counterFormView(ep) }), {
    logRate: { lines: LINES, intervalMs: 60_000 },
    ...opts,
  });
  started.push(s);
  return s;
}

/** The summary lines of `source` and the number of lines each says it suppressed. */
function summaries(logs: string[], source: string): number[] {
  const re = new RegExp(`^\\[warn\\] (\\d+) more log lines from ${source} suppressed in the last \\d+ s$`);
  return logs.flatMap((l) => {
    const m = re.exec(l);
    return m === null ? [] : [Number(m[1])];
  });
}

describe("a flood of bad frames", () => {
  test("gets error replies, then the socket is closed with 1008; the log holds at most N lines, a summary, no long line", async () => {
    const s = await start();
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect((await c.join(page, "1")).status).toBe("ok");
    const topic = `lv:${page.id}`;
    s.logs.length = 0;
    // Echoed values as long as a frame allows (256 characters), and unknown events and topics on and on.
    const long = "e".repeat(250);
    for (let i = 0; i < 500; i++) {
      c.send(["1", `b${i}`, topic, `${long}${i % 10}`, {}]);
      c.send([null, `t${i}`, `${"t".repeat(250)}${i % 10}`, "event", {}]);
    }
    expect((await c.closed).code).toBe(1008);
    const errors = c.frames.filter((f) => f[3] === "phx_reply" && f[4].status === "error");
    expect(errors.length).toBeGreaterThan(0);
    // The default budget is 20 errors in 10 s: the 21st closes the socket, whatever else was queued.
    expect(errors.length).toBeLessThanOrEqual(21);
    // The summary is written when the socket ends; it accounts for every line that was not written.
    await waitFor("the summary line", () => summaries(s.logs, "this websocket").length === 1, {
      timeoutMs: 10_000,
    });
    const written = s.logs.filter((l) => /unknown event|Ignoring unmatched topic/.test(l));
    expect(written.length).toBe(LINES);
    expect(written.length + summaries(s.logs, "this websocket")[0]!).toBe(21);
    expect(s.logs).toContain("[warn] closing websocket: more than 20 protocol errors in 10000 ms");
    expect(written[0]).toMatch(/^\[warn\] unknown event "e{100}…\[151 more characters\]" on lv:/);
    for (const line of s.logs) expect(line.length).toBeLessThanOrEqual(LINE_CAP);
  });

  test("an event name of a megabyte is cut in the log", async () => {
    const Mute = defineLiveView({ name: "Mute", mount() {}, render: () => html`<p>mute</p>` });
    const s = await start({ routes: { "/": Mute } });
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect((await c.join(page, "1")).status).toBe("ok");
    c.send(["1", "2", `lv:${page.id}`, "event", { type: "click", event: "x".repeat(500_000), value: {} }]);
    // No handler: the view crashes, as in Phoenix.
    await c.next((f) => f[3] === "phx_error");
    const line = s.logs.find((l) => l.includes("has no handler for event"));
    expect(line).toMatch(/^\[error\] Mute has no handler for event "x{100}…\[499900 more characters\]": /);
    for (const l of s.logs) expect(l.length).toBeLessThanOrEqual(LINE_CAP);
    c.close();
  });
});

describe("the event bucket", () => {
  test("a flood of clicks gets 'too many events', then the socket is closed with 1008", async () => {
    const s = await start();
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect((await c.join(page, "1")).status).toBe("ok");
    const topic = `lv:${page.id}`;
    // Far past the default bucket (100, then 50 a second), sent in one go.
    for (let i = 0; i < 1000; i++)
      c.send(["1", `c${i}`, topic, "event", { type: "click", event: "inc", value: {} }]);
    expect((await c.closed).code).toBe(1008);
    const limited = c.frames
      .filter((f) => f[3] === "phx_reply" && f[4].response?.reason === "too many events")
      .map((f) => Number(f[1]!.slice(1)));
    expect(limited.length).toBeGreaterThan(0);
    // The default budget: the 21st error closes the socket.
    expect(limited.length).toBeLessThanOrEqual(21);
    // The bucket holds 100 (the join took one): the first 99 clicks always pass.
    expect(Math.min(...limited)).toBeGreaterThanOrEqual(99);
    expect(s.logs.some((l) => /^\[warn\] "event" on "lv:phx-[^"]+" refused: too many events$/.test(l))).toBe(
      true,
    );
  });

  test("the bucket is configurable; an empty one refuses events but still answers heartbeats", async () => {
    const s = await start({ eventRate: { burst: 5, perSecond: 0.001 } });
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect((await c.join(page, "1")).status).toBe("ok");
    const topic = `lv:${page.id}`;
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await c.push("1", `c${i}`, topic, "event", { type: "click", event: "inc", value: {} });
      statuses.push(r.status === "ok" ? "ok" : r.response.reason);
    }
    // 5 tokens: the join, then four clicks.
    expect(statuses).toEqual(["ok", "ok", "ok", "ok", "too many events", "too many events"]);
    expect(await c.push(null, "h", "phoenix", "heartbeat", {})).toEqual({ status: "ok", response: {} });
    c.close();
  });

  test("createEndpoint refuses a limit that makes no sense, naming it", async () => {
    const pubsub = await PubSub.start({ name: `abuse-opts-${process.pid}` });
    const base = { routes: {}, pubsub, secret: SECRET, logger: createLogger({ level: "error" }) };
    expect(() => createEndpoint({ ...base, eventRate: { burst: 0, perSecond: 1 } })).toThrow(
      "createEndpoint: eventRate.burst must be a number >= 1, got 0",
    );
    expect(() => createEndpoint({ ...base, errorBudget: { max: -1, windowMs: 1 } })).toThrow(
      "createEndpoint: errorBudget.max",
    );
    expect(() => createEndpoint({ ...base, headersTimeout: 5000, requestTimeout: 1000 })).toThrow(
      "createEndpoint: headersTimeout (5000) must not exceed requestTimeout (1000)",
    );
    expect(() => createEndpoint({ ...base, maxConnections: Number.NaN })).toThrow(
      "createEndpoint: maxConnections must be a number >= 1, got NaN",
    );
    await pubsub.stop();
  });
});

describe("404s and refused handshakes", () => {
  test("long paths are cut in the log, and the lines are rate-limited with a summary", async () => {
    const s = await start({ logRate: { lines: LINES, intervalMs: 1000 } });
    s.logs.length = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${s.base}/${"p".repeat(5000)}${i}`);
      expect(res.status).toBe(404);
      await res.text();
    }
    // Each 404 is two lines (the request, then "Sent 404"): every one is written or counted in a summary.
    await waitFor(
      "every 404 line written or summed up",
      () => {
        const written = s.logs.filter((l) => /^\[info\] (GET \/p|Sent 404 in)/.test(l)).length;
        const counted = summaries(s.logs, "404 responses").reduce((a, b) => a + b, 0);
        return written + counted === 2 * n;
      },
      { timeoutMs: 15_000 },
    );
    const written = s.logs.filter((l) => /^\[info\] (GET \/p|Sent 404 in)/.test(l)).length;
    expect(summaries(s.logs, "404 responses").length).toBeGreaterThan(0);
    // At most LINES per interval: one interval per summary, plus the one running now.
    expect(written).toBeLessThanOrEqual(LINES * (summaries(s.logs, "404 responses").length + 1));
    expect(s.logs.some((l) => l.startsWith(`[info] GET /${"p".repeat(99)}…[`))).toBe(true);
    for (const line of s.logs) expect(line.length).toBeLessThanOrEqual(LINE_CAP);
  });

  test("a long Origin is cut in the log, and refused handshakes are rate-limited", async () => {
    const s = await start();
    const page = await fetchPage(s.base);
    s.logs.length = 0;
    const origin = `http://${"o".repeat(8000)}.example`;
    for (let i = 0; i < 30; i++)
      await expect(RawClient.connect(s.base, page, { origin })).rejects.toThrow("HTTP 403");
    const refused = s.logs.filter((l) => l.startsWith("[warn] refused websocket from origin"));
    expect(refused.length).toBe(LINES);
    expect(refused[0]).toBe(
      `[warn] refused websocket from origin "http://${"o".repeat(93)}…[7915 more characters]": not allowed`,
    );
    // The summary comes once the interval ends; closing the endpoint ends it now.
    await s.endpoint.close(1000);
    expect(summaries(s.logs, "refused websocket handshakes")).toEqual([30 - LINES]);
    for (const line of s.logs) expect(line.length).toBeLessThanOrEqual(LINE_CAP);
  });
});

describe("the server listen makes", () => {
  test("maxConnections: a connection past it is closed unanswered; once one closes, new ones are served", async () => {
    const s = await start({ maxConnections: 2 });
    const [a, b] = [await tcp(s.port), await tcp(s.port)];
    // Headers never finished: both stay open (headersTimeout is 10 s by default).
    a.write("GET / HTTP/1.1\r\n");
    b.write("GET / HTTP/1.1\r\n");
    const third = await tcp(s.port);
    third.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const got = await answer(third);
    expect(got).toBe("");
    await waitFor("the refusal to be logged", () =>
      s.logs.includes("[warn] refused a connection: maxConnections (2) reached"),
    );
    a.destroy();
    await waitFor(
      "a new connection to be served",
      async () => {
        const c = await tcp(s.port);
        c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        return (await answer(c)).startsWith("HTTP/1.1 200");
      },
      { timeoutMs: 15_000 },
    );
    b.destroy();
  });

  test("headersTimeout: a client that never finishes its headers gets 408 and is closed", async () => {
    const s = await start({ headersTimeout: 500, requestTimeout: 1000 });
    const c = await tcp(s.port);
    c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    // Well before Node's default of 60 s (which would fail this wait); here it takes about a second.
    const got = await answer(c, 30_000);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
  });
});

function tcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () => resolve(sock));
    sock.once("error", reject);
  });
}

/** Everything the server sends until it closes the connection. */
function answer(sock: net.Socket, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the server did not close the connection within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}
