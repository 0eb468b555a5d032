/**
 * What the socket fuzz tests (a live socket, a user socket) throw at any Phoenix socket: invalid JSON, JSON of
 * the wrong shape, refs of the wrong type, over-long topics, frames just under and over the size limit, binary
 * garbage, deep nesting; and the websocket handshake they try with random headers.
 */
import fc from "fast-check";
import { expect } from "vitest";
import WebSocket from "ws";

/** The endpoints' frame limit (`maxPayload`) in these tests, which some frames go past. */
export const MAX_PAYLOAD = 64 * 1024;

/** What a frame is built from, per connection: the joined topic, if any, and a fresh ref on each call. */
export interface FrameCtx {
  topic: string;
  joinRef: string | null;
  ref: () => string;
}

/** A frame to send, and the ref the server must reply to (null: no reply can be asked for). */
export interface Built {
  data: string | Buffer;
  ref: string | null;
  label: string;
}

export type Frame<C extends FrameCtx = FrameCtx> = (ctx: C) => Built;

export const text = (label: string, data: string, ref: string | null = null): Built => ({ data, ref, label });

/** A JSON array frame with a fresh ref. */
export const arr = (label: string, ctx: FrameCtx, parts: (ref: string) => unknown[]): Built => {
  const ref = ctx.ref();
  return { data: JSON.stringify(parts(ref)), ref, label };
};

export const anyJson = fc.jsonValue({ maxDepth: 4 });
export const shortString = fc.string({ maxLength: 20 });

/** A push in the binary serializer's format (kind 0, the four lengths, the fields, then the body). */
export function binaryPush(
  joinRef: string,
  ref: string,
  topic: string,
  event: string,
  body: Uint8Array,
): Buffer {
  const fields = [joinRef, ref, topic, event].map((s) => Buffer.from(s));
  return Buffer.concat([Buffer.from([0, ...fields.map((f) => f.length)]), ...fields, body]);
}

/**
 * The frames every socket must survive, for a channel whose pushes are `event` with a payload made by
 * `payload(valueJson)` around a JSON value (a click's value, a message's body).
 */
export function socketFrames(event: string, payload: (valueJson: string) => string): fc.Arbitrary<Frame>[] {
  const push = (ctx: FrameCtx, ref: string, valueJson: string) =>
    `[${JSON.stringify(ctx.joinRef)},${JSON.stringify(ref)},${JSON.stringify(ctx.topic)},${JSON.stringify(event)},${payload(valueJson)}]`;
  return [
    fc.string({ maxLength: 200 }).map((s) => () => text("random text", s)),
    fc
      .constantFrom("", "[", "{", "[null,null,", "nul", '"\\ud800"', "[1,2,3,4,5,6]")
      .map((s) => () => text("broken JSON", s)),
    anyJson.map((j) => () => text("random JSON", JSON.stringify(j))),
    fc
      .tuple(anyJson, anyJson, anyJson, anyJson, anyJson)
      .map((t) => () => text("5 random JSON values", JSON.stringify(t))),
    fc
      .oneof(fc.integer(), fc.constant({}), fc.constant([]), fc.boolean(), fc.constant("x".repeat(300)))
      .map(
        (badRef) => (ctx: FrameCtx) =>
          text("a ref of the wrong type", JSON.stringify([ctx.joinRef, badRef, ctx.topic, event, {}])),
      ),
    fc.constant((ctx: FrameCtx) =>
      text("an over-long topic", JSON.stringify([null, ctx.ref(), "t".repeat(300), "phx_join", {}])),
    ),
    // Just under the limit (answered), over it (the socket is closed with 1009).
    fc.constant((ctx: FrameCtx) => {
      const ref = ctx.ref();
      return text("a big payload", push(ctx, ref, JSON.stringify("p".repeat(MAX_PAYLOAD - 500))), ref);
    }),
    fc.constant((ctx: FrameCtx) =>
      text(
        "a frame over maxPayload",
        JSON.stringify([null, ctx.ref(), "phoenix", "heartbeat", { pad: "p".repeat(MAX_PAYLOAD) }]),
      ),
    ),
    fc
      .uint8Array({ maxLength: 64 })
      .map((b) => () => ({ data: Buffer.from(b), ref: null, label: "binary garbage" })),
    fc.integer({ min: 100, max: 50_000 }).map((depth) => (ctx: FrameCtx) => {
      const ref = ctx.ref();
      return text(
        `a payload nested ${depth} deep`,
        push(ctx, ref, `${"[".repeat(depth)}1${"]".repeat(depth)}`),
        ref,
      );
    }),
    fc
      .integer({ min: 1000, max: 50_000 })
      .map((depth) => () => text(`JSON nested ${depth} deep`, "[".repeat(depth) + "]".repeat(depth))),
  ];
}

/** Opens a websocket handshake with `headers`; resolves with the HTTP status (101 when accepted), then closes. */
export function handshake(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    ws.once("error", (err) => reject(err));
  });
}

/** How a socket may close after a bad frame: unsupported data, a policy violation, a frame too big. */
export const PROTOCOL_CLOSES = [1003, 1008, 1009];

/** What `playScript` needs of a raw client. */
export interface ScriptClient {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number }>;
  /** Whether the frame with `ref` was answered within `ms` (whatever counts as an answer on this socket). */
  answered(ref: string, ms: number): Promise<boolean>;
  /** The reply to `ref` within `ms`, or null. */
  reply(ref: string, ms: number): Promise<unknown[] | null>;
}

/**
 * Sends `script` frame by frame. After each, the server has answered it (when it carries a ref) or closed
 * the socket with a protocol code; while the socket is open it still answers a heartbeat.
 */
export async function playScript<C extends FrameCtx>(
  c: ScriptClient,
  script: Frame<C>[],
  ctx: C,
): Promise<void> {
  const trail: string[] = [];
  for (const frame of script) {
    const f = frame(ctx);
    trail.push(f.label);
    c.ws.send(f.data);
    const why = `after ${trail.join(" -> ")}`;
    if (f.ref !== null && !(await c.answered(f.ref, 5000))) {
      const closed = await Promise.race([c.closed, new Promise((r) => setTimeout(r, 1000, null))]);
      expect(closed, `no reply and no close ${why}`).not.toBeNull();
    }
    // Still there: it answers a heartbeat (or closes: a frame with no ref to answer closes the socket).
    let alive = false;
    if (c.ws.readyState === WebSocket.OPEN) {
      const hb = ctx.ref();
      c.ws.send(JSON.stringify([null, hb, "phoenix", "heartbeat", {}]));
      const r = await c.reply(hb, 5000);
      alive = (r?.[4] as { status?: unknown } | undefined)?.status === "ok";
    }
    if (!alive) {
      const { code } = await c.closed;
      expect(PROTOCOL_CLOSES, `closed with ${code} ${why}`).toContain(code);
      return;
    }
  }
}
