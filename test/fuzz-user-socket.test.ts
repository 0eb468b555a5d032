/**
 * Fuzzing a user socket (the chat fixture's `/socket`) with fast-check, as `fuzz-endpoint.test.ts` does the live
 * socket.
 * - Frames over a raw `ws` client: invalid JSON, JSON of the wrong shape, wrong refs, unknown and reserved topics
 *   and events, random payloads, joins with random payloads (some crash the join), pushes that crash the channel,
 *   huge frames, binary garbage and well-formed binary pushes, deeply nested payloads. After each frame with a
 *   ref the server has answered it (a reply, text or binary, or a `phx_error` of the channel it crashed) or
 *   closed the socket with a protocol code, and it still answers a heartbeat.
 * - The handshake: random tokens, Origins and serializer versions: 101 only when all are right, else 400/403.
 * Throughout, a well-behaved client (the official Phoenix.Socket) keeps being served: its pushes are answered
 * and broadcasts reach it. Afterwards no process or connection is left but its own, and nothing crashed but
 * what the fuzzer asked to crash.
 */
import { createRuntime } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { Presence, PubSub } from "@cinder/pubsub";
import fc from "fast-check";
import { type Channel, Serializer, Socket } from "phoenix";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { chatSocket } from "./fixtures/channels/chat.js";
import { waitFor } from "./helpers/fault.js";
import { SECRET } from "./helpers/liveview.js";
import {
  anyJson,
  arr,
  binaryPush,
  type Frame,
  type FrameCtx,
  handshake,
  MAX_PAYLOAD,
  playScript,
  shortString,
  socketFrames,
} from "./helpers/socket_frames.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const rtLogs: string[] = [];
const rt = createRuntime({ node: "fuzz-channels", logger: (level, msg) => rtLogs.push(`[${level}] ${msg}`) });
const logs: string[] = [];
let pubsub: PubSub;
let presence: Presence;
let endpoint: Endpoint;
let port: number;
let good: { socket: Socket; channel: Channel; seen: string[] };
let goodCount = 0;
let baseline: number;

beforeAll(async () => {
  pubsub = await PubSub.start({ name: "fuzz-channels", runtime: rt });
  presence = Presence.start({ pubsub, name: "fuzz-channels", runtime: rt });
  endpoint = createEndpoint({
    routes: {},
    pubsub,
    secret: SECRET,
    runtime: rt,
    maxPayload: MAX_PAYLOAD,
    sockets: { "/socket": chatSocket(presence, "fuzz") },
    // Debug: the log lines of every hostile frame are built too; only errors are kept.
    logger: createLogger({
      level: "debug",
      write: (line) => {
        if (line.startsWith("[error]")) logs.push(line);
      },
    }),
  });
  port = await endpoint.listen(0, "127.0.0.1");
  const socket = new Socket(`ws://127.0.0.1:${port}/socket`, {
    transport: WebSocket,
    params: { token: "user:good" },
  });
  socket.connect();
  const channel = socket.channel("room:lobby", {});
  const seen: string[] = [];
  channel.on("new_msg", (m: { body: string }) => seen.push(m.body));
  await new Promise((resolve, reject) => channel.join().receive("ok", resolve).receive("error", reject));
  good = { socket, channel, seen };
  await waitFor("the good client's presence", () => Object.keys(presence.list("room:lobby")).length === 1);
  baseline = rt.stats().processes;
});

afterAll(async () => {
  good?.socket.disconnect();
  await endpoint?.close(1000);
  presence?.stop();
  await pubsub?.stop();
});

/** The well-behaved client is served: its push is answered and its broadcast comes back to it. */
async function goodClientServed(): Promise<void> {
  const body = `still here ${++goodCount}`;
  await new Promise((resolve, reject) =>
    good.channel
      .push("new_msg", { body })
      .receive("ok", resolve)
      .receive("error", reject)
      .receive("timeout", () => reject(new Error("the good client's push timed out"))),
  );
  await waitFor("the broadcast to reach the good client", () => good.seen.includes(body), {
    timeoutMs: 5000,
  });
}

/** A raw websocket on the user socket; binary frames are decoded with the official serializer. */
class Raw {
  readonly frames: any[][] = [];
  readonly closed: Promise<{ code: number }>;
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary) {
        const ab = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
        Serializer.decode(ab, (m: any) => this.frames.push([m.join_ref, m.ref, m.topic, m.event, m.payload]));
      } else {
        this.frames.push(JSON.parse(String(data)));
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code) => {
        resolve({ code });
        for (const w of this.#waiters.splice(0)) w();
      }),
    );
  }

  static open(token: string): Promise<Raw> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&token=${token}`);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new Raw(ws)));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /** The first frame matching `pred` within `timeoutMs`, else null. */
  async find(pred: (f: any[]) => boolean, timeoutMs: number): Promise<any[] | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(pred);
      if (f !== undefined) return f;
      const left = end - Date.now();
      if (left <= 0 || this.ws.readyState !== WebSocket.OPEN) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

const event = fc.oneof(
  fc.constantFrom(
    "new_msg",
    "shout",
    "secret",
    "crash",
    "nope",
    "phx_join",
    "phx_leave",
    "phx_reply",
    "phx_close",
    "phx_error",
    "heartbeat",
    "",
    "__proto__",
  ),
  shortString,
);
const topic = fc.oneof(
  fc.constantFrom("room:lobby", "room:", "room:private", "phoenix", "elsewhere", "room:*"),
  shortString,
);
const payload = fc.oneof(
  anyJson,
  fc.record({ body: fc.oneof(shortString, anyJson) }),
  fc.record({ crash: fc.boolean() }),
  fc.dictionary(shortString, anyJson, { maxKeys: 5 }),
);

const frames: fc.Arbitrary<Frame> = fc.oneof(
  ...socketFrames("new_msg", (value) => `{"body":${value}}`),
  fc
    .record({ topic, event, payload })
    .map(
      (f) => (ctx: FrameCtx) =>
        arr(`${f.event} on ${f.topic}`, ctx, (ref) => [ctx.joinRef, ref, f.topic, f.event, f.payload]),
    ),
  fc
    .record({ event, payload, joinRef: fc.oneof(fc.constant(null), shortString) })
    .map(
      (f) => (ctx: FrameCtx) =>
        arr(`${f.event} on the joined topic`, ctx, (ref) => [
          f.joinRef ?? ctx.joinRef,
          ref,
          ctx.topic,
          f.event,
          f.payload,
        ]),
    ),
  fc
    .record({ topic, payload })
    .map(
      (f) => (ctx: FrameCtx) =>
        arr(`a join of ${f.topic}`, ctx, (ref) => [ref, ref, f.topic, "phx_join", f.payload]),
    ),
  fc
    .record({ event, body: fc.uint8Array({ maxLength: 256 }), onTopic: fc.boolean() })
    .map((f) => (ctx: FrameCtx) => {
      const ref = ctx.ref();
      const t = f.onTopic ? ctx.topic : "room:elsewhere";
      const e = f.event === "" ? "bytes" : f.event;
      return { data: binaryPush(ctx.joinRef ?? "", ref, t, e, f.body), ref, label: `a binary ${e} on ${t}` };
    }),
);

describe("fuzz: user socket frames", () => {
  test("every frame is answered or closes its socket; the server keeps serving; nothing is left behind", async () => {
    let sockets = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(frames, { minLength: 1, maxLength: 6 }),
        async (joinFirst, script) => {
          const c = await Raw.open(`user:fuzz${++sockets}`);
          let n = 0;
          const ctx: FrameCtx = { topic: "room:fuzz", joinRef: null, ref: () => `f${++n}` };
          if (joinFirst) {
            c.ws.send(JSON.stringify(["j", "j", ctx.topic, "phx_join", {}]));
            const r = await c.find((f) => f[1] === "j" && f[3] === "phx_reply", 5000);
            expect(r?.[4]?.status).toBe("ok");
            ctx.joinRef = "j";
          }
          await playScript(
            {
              ws: c.ws,
              closed: c.closed,
              // Answered: a reply to its ref, or the phx_error of a channel it crashed (a crash answers nothing).
              answered: async (ref, ms) =>
                (await c.find((m) => (m[1] === ref && m[3] === "phx_reply") || m[3] === "phx_error", ms)) !==
                null,
              reply: (ref, ms) => c.find((m) => m[1] === ref, ms),
            },
            script,
            ctx,
          );
          c.ws.close();
          await c.closed;
          if (sockets % 20 === 0) await goodClientServed();
        },
      ),
      { numRuns: RUNS },
    );
    await goodClientServed();
    await waitFor(
      "every fuzzed socket's processes to be gone",
      () => rt.stats().processes === baseline && endpoint.connections === 1,
    );
    // Nothing crashed but what the fuzzer asked to crash ("crash", or a join with { crash: true }).
    const unasked = (l: string) => !l.includes("as asked");
    expect(rtLogs.filter((l) => l.startsWith("[error]")).filter(unasked)).toEqual([]);
    expect(logs.filter(unasked)).toEqual([]);
  }, 120_000);
});

describe("fuzz: the user socket's handshake", () => {
  test("101 only with a good token, an allowed Origin and vsn 2.0.0; else 400 or 403; no CSRF token asked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("user:ok", "admin:ok", "bad", "", "user:", "user:UPPER", "x".repeat(300)),
        fc.constantFrom("same", "foreign", "absent", "null"),
        fc.constantFrom("2.0.0", "1.0.0", "", "none"),
        async (token, origin, vsn) => {
          const q = new URLSearchParams({ token });
          if (vsn !== "none") q.set("vsn", vsn);
          const headers: Record<string, string> = {};
          const o = {
            same: `http://127.0.0.1:${port}`,
            foreign: "https://evil.example",
            absent: undefined,
            null: "null",
          }[origin];
          if (o !== undefined) headers.origin = o;
          const status = await handshake(port, `/socket/websocket?${q}`, headers);
          const originOk = origin === "same" || origin === "absent";
          const tokenOk = /^(user|admin):[a-z0-9_]{1,32}$/.test(token);
          const expected = !originOk ? 403 : vsn !== "2.0.0" ? 400 : !tokenOk ? 403 : 101;
          expect(status).toBe(expected);
        },
      ),
      { numRuns: 80 },
    );
    await goodClientServed();
    await waitFor("no connection left but the good client's", () => endpoint.connections === 1);
    await waitFor("no process left but the good client's", () => rt.stats().processes === baseline);
  }, 60_000);
});
