/**
 * Fuzzing a live endpoint with fast-check.
 * - Websocket frames over a raw `ws` client: invalid JSON, valid JSON of the wrong shape, wrong refs, unknown
 *   topics and events, huge frames, binary frames, deeply nested payloads, random pushes to a joined view,
 *   forged, expired and foreign session tokens. After each frame the server has answered it (a reply to its
 *   ref, when it carries one) or closed that socket with a protocol code, and it still answers a heartbeat.
 * - The handshake: random CSRF tokens (missing, forged, another cookie's), Origins (foreign, absent) and
 *   serializer versions: refused with 400/403 unless everything is right.
 * - The dead render over raw TCP: odd methods, paths, headers, query strings, over-long URLs, garbage: a
 *   well-formed HTTP answer (never 5xx), and the server goes on.
 * Throughout, a well-behaved client (the official Phoenix.Socket) keeps being served: its clicks are answered
 * and broadcasts reach it. Afterwards no process, subscription or connection is left but its own, and no
 * process crashed. Logging runs at debug level, so the log formatting of hostile input is fuzzed too.
 */
import net from "node:net";
import { createRuntime } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { counterFormView, FragileView } from "./fixtures/liveview/views.js";
import { LiveClient, waitFor } from "./helpers/fault.js";
import { header, method, pathPart, query } from "./helpers/fuzz_requests.js";
import { type Ctx, frames } from "./helpers/live_frames.js";
import { fetchPage, RawClient, SECRET } from "./helpers/liveview.js";
import { handshake, MAX_PAYLOAD, playScript } from "./helpers/socket_frames.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const rtLogs: string[] = [];
const rt = createRuntime({ node: "fuzz", logger: (level, msg) => rtLogs.push(`[${level}] ${msg}`) });
const logs: string[] = [];
let pubsub: PubSub;
let endpoint: Endpoint;
let base: string;
let port: number;
let good: LiveClient;
let goodCount = 0;
let baseline: { processes: number; subscriptions: number };

beforeAll(async () => {
  pubsub = await PubSub.start({ name: "fuzz", runtime: rt });
  endpoint = createEndpoint({
    routes: { "/": counterFormView(() => endpoint), "/fragile": FragileView },
    pubsub,
    secret: SECRET,
    runtime: rt,
    maxPayload: MAX_PAYLOAD,
    // Debug: the log lines of every hostile frame are built too. Kept short, so memory stays small.
    logger: createLogger({
      level: "debug",
      write: (line) => {
        if (line.startsWith("[error]")) logs.push(line);
      },
    }),
  });
  port = await endpoint.listen(0, "127.0.0.1");
  base = `http://127.0.0.1:${port}`;
  // Before any fuzzing: what the server holds when only the well-behaved client is connected.
  good = await LiveClient.open(base);
  baseline = { processes: rt.stats().processes, subscriptions: pubsub.stats().subscriptions };
  expect(baseline).toEqual({ processes: 2, subscriptions: 1 });
});
afterAll(async () => {
  await good?.close();
  await endpoint?.close(1000);
  await pubsub?.stop();
});

/** The well-behaved client is served: a click is answered with the new count, a broadcast reaches it. */
async function goodClientServed(): Promise<void> {
  goodCount++;
  await good.push("inc");
  expect(good.html()).toContain(`Count: ${goodCount}`);
  const text = `still here ${goodCount}`;
  await endpoint.broadcast("counter", "announce", text);
  await waitFor("the broadcast to reach the good client", () => good.html().includes(text), {
    timeoutMs: 5000,
  });
  expect({ joins: good.joins, errors: good.errors }).toEqual({ joins: 1, errors: 0 });
}

describe("fuzz: websocket frames", () => {
  test("every frame is answered or closes its socket; the server keeps serving; nothing is left behind", async () => {
    let sockets = 0;
    const other = await fetchPage(base);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(frames, { minLength: 1, maxLength: 6 }),
        async (joinFirst, script) => {
          const page = await fetchPage(base);
          const c = await RawClient.connect(base, page);
          sockets++;
          let n = 0;
          const ctx: Ctx = { base, page, other, topic: `lv:${page.id}`, joinRef: null, ref: () => `f${++n}` };
          if (joinFirst) {
            expect((await c.join(page, "j")).status).toBe("ok");
            ctx.joinRef = "j";
          }
          await playScript(
            {
              ws: c.ws,
              closed: c.closed,
              answered: (ref, ms) =>
                c.reply(ref, ms).then(
                  () => true,
                  () => false,
                ),
              reply: (ref, ms) => c.reply(ref, ms).catch(() => null),
            },
            script,
            ctx,
          );
          c.close();
          await c.closed;
          if (sockets % 20 === 0) await goodClientServed();
        },
      ),
      { numRuns: RUNS },
    );
    await goodClientServed();
    await waitFor(
      "every fuzzed socket's processes and subscriptions to be gone",
      () =>
        rt.stats().processes === baseline.processes &&
        pubsub.stats().subscriptions === baseline.subscriptions &&
        endpoint.connections === 1,
    );
    // Nothing crashed: no process ended with an error, the endpoint logged no error.
    expect(rtLogs.filter((l) => l.startsWith("[error]"))).toEqual([]);
    expect(logs).toEqual([]);
  }, 60_000);
});

describe("fuzz: the websocket handshake", () => {
  test("refused (400/403) unless the CSRF token, the cookie, the Origin and the vsn are all right", async () => {
    const page = await fetchPage(base);
    const other = await fetchPage(base);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("valid", "missing", "forged", "other-cookies", "empty"),
        fc.constantFrom("same", "foreign", "absent", "null", "same-other-port"),
        fc.constantFrom("2.0.0", "1.0.0", "", "2.0.0&vsn=1"),
        fc.constantFrom("cookie", "no-cookie", "other-cookie"),
        async (csrf, origin, vsn, cookie) => {
          const token = {
            valid: page.csrf,
            missing: undefined,
            forged: `${page.csrf}x`,
            "other-cookies": other.csrf,
            empty: "",
          }[csrf];
          const q = new URLSearchParams({ vsn });
          if (token !== undefined) q.set("_csrf_token", token);
          const headers: Record<string, string> = {};
          const o = {
            same: base,
            foreign: "https://evil.example",
            absent: undefined,
            null: "null",
            "same-other-port": "http://127.0.0.1:1",
          }[origin];
          if (o !== undefined) headers.origin = o;
          if (cookie === "cookie") headers.cookie = page.cookie;
          if (cookie === "other-cookie") headers.cookie = other.cookie;
          const status = await handshake(
            port,
            `/live/websocket?${q.toString().replace("%26vsn%3D1", "&vsn=1")}`,
            headers,
          );
          // A token matches the cookie it was made for: the page's with the page's, the other's with the other's.
          const pair =
            (csrf === "valid" && cookie === "cookie") ||
            (csrf === "other-cookies" && cookie === "other-cookie");
          const ok = pair && (origin === "same" || origin === "absent") && vsn === "2.0.0";
          if (ok) expect(status).toBe(101);
          else expect([400, 403]).toContain(status);
        },
      ),
      { numRuns: 80 },
    );
    await goodClientServed();
    await waitFor("no connection left but the good client's", () => endpoint.connections === 1);
    expect(rt.stats().processes).toBe(baseline.processes);
  }, 30_000);
});

/** Sends `raw` and resolves with the status of the answer (0 when the server closed without one). */
function rawRequest(raw: string | Buffer): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      const head = Buffer.concat(chunks).toString("latin1").split("\r\n\r\n")[0];
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head });
    };
    sock.setTimeout(5000, () => {
      sock.destroy();
      reject(new Error(`no answer within 5 s to ${JSON.stringify(String(raw).slice(0, 120))}`));
    });
    sock.on("data", (d) => chunks.push(d));
    sock.on("end", done);
    sock.on("error", () => done());
    sock.on("close", done);
    sock.end(raw);
  });
}

describe("fuzz: the dead render over node:http", () => {
  test("odd methods, paths, headers, query strings, long URLs, garbage: a well-formed answer, never a 5xx", async () => {
    const before = rt.stats().processes;
    const request = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .record({
            method,
            path: pathPart,
            query,
            headers: fc.array(header, { maxLength: 4 }),
            long: fc.option(fc.integer({ min: 1000, max: 100_000 }), { freq: 5 }),
            host: fc.oneof(
              { weight: 4, arbitrary: fc.constant("Host: 127.0.0.1\r\n") },
              fc.constantFrom(
                "",
                "Host:\r\n",
                "Host: a b\r\n",
                "Host: [::1\r\n",
                "Host: x/y?z#w\r\n",
                "Host: u:p@h\r\n",
              ),
              fc.string({ maxLength: 20 }).map((h) => `Host: ${h}\r\n`),
            ),
          })
          .map(({ method, path, query, headers, long, host }) => {
            const url = path + query + (long === null ? "" : `${query ? "&" : "?"}x=${"y".repeat(long)}`);
            return `${method} ${url} HTTP/1.1\r\n${host}${headers.map((h) => `${h}\r\n`).join("")}Connection: close\r\n\r\n`;
          }),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 300 }).map((s) => s) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "\r\n\r\n",
          "GET\r\n\r\n",
          "GET / HTTP/9.9\r\n\r\n",
          "GET / HTTP/1.1\r\n",
          `GET /${"a".repeat(70_000)} HTTP/1.1\r\n\r\n`,
        ),
      },
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (raw) => {
        const { status, head } = await rawRequest(raw);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // 0: the server closed the connection (an incomplete request); else a status no higher than 4xx.
        expect(status < 500, `${status} for ${JSON.stringify(raw.slice(0, 200))}\n${head}`).toBe(true);
      }),
      { numRuns: RUNS * 3 },
    );
    console.log(`dead render fuzz: status -> count ${JSON.stringify([...statuses])}`);
    // The answers were not all the same (the fuzzer reached pages, assets, 404s and parser errors).
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].length).toBeGreaterThan(2);
    const page = await fetchPage(base);
    expect(page.status).toBe(200);
    await goodClientServed();
    // Dead renders run in short-lived processes: none is left.
    await waitFor("no dead-render process left", () => rt.stats().processes === before);
    expect(rtLogs.filter((l) => l.startsWith("[error]"))).toEqual([]);
    expect(logs).toEqual([]);
  }, 60_000);
});
