/**
 * The frames the endpoint fuzz test throws at a websocket: invalid JSON, valid JSON of the wrong shape, wrong
 * refs, unknown topics and events, huge and binary frames, deep payloads, random pushes to a joined view,
 * forged, expired and foreign session tokens.
 */
import { SALT, Signer } from "@cinder/liveview/internal";
import fc from "fast-check";
import { type Page, SECRET } from "./liveview.js";

/** The endpoint's frame limit (`maxPayload`), which some frames go past. */
export const MAX_PAYLOAD = 64 * 1024;

/** What a frame is built from, per connection. */
export interface Ctx {
  /** The endpoint's URL. */
  base: string;
  page: Page;
  other: Page;
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
export type Frame = (ctx: Ctx) => Built;

const text = (label: string, data: string, ref: string | null = null): Built => ({ data, ref, label });
const arr = (label: string, ctx: Ctx, parts: (ref: string) => unknown[]): Built => {
  const ref = ctx.ref();
  return { data: JSON.stringify(parts(ref)), ref, label };
};

const anyJson = fc.jsonValue({ maxDepth: 4 });
const shortString = fc.string({ maxLength: 20 });
const eventName = fc.oneof(
  fc.constantFrom("inc", "dec", "validate", "save", "lv:clear-flash", "", "__proto__", "constructor", "boom"),
  shortString,
);
const pushEvent = fc.constantFrom(
  "event",
  "live_patch",
  "cids_will_destroy",
  "cids_destroyed",
  "allow_upload",
  "progress",
  "phx_leave",
  "phx_join",
  "heartbeat",
  "nope",
  "",
);
const eventPayload = fc.oneof(
  fc.record({
    type: fc.constantFrom("click", "form", "hook", "keyup", "focus", "blur", "nope"),
    event: fc.oneof(eventName, anyJson),
    value: fc.oneof(
      anyJson,
      fc.string({ maxLength: 200 }),
      fc.constant("a[b][c][d][e][f][g]=1&__proto__[x]=1"),
    ),
    meta: fc.option(anyJson, { nil: undefined }),
    cid: fc.option(fc.integer(), { nil: undefined }),
  }),
  fc.record({ url: fc.oneof(fc.webUrl(), shortString, anyJson) }),
  fc.dictionary(shortString, anyJson, { maxKeys: 5 }),
);

/** Any frame a hostile or broken client could send, built for one connection. */
export const frames: fc.Arbitrary<Frame> = fc.oneof(
  // Invalid JSON, and JSON of the wrong shape.
  fc.string({ maxLength: 200 }).map((s) => () => text("random text", s)),
  fc
    .constantFrom("", "[", "{", "[null,null,", "nul", '"\\ud800"', "[1,2,3,4,5,6]")
    .map((s) => () => text("broken JSON", s)),
  anyJson.map((j) => () => text("random JSON", JSON.stringify(j))),
  fc
    .tuple(anyJson, anyJson, anyJson, anyJson, anyJson)
    .map((t) => () => text("5 random JSON values", JSON.stringify(t))),
  // Well-formed frames with odd contents: wrong refs, unknown topics and events, random payloads.
  fc
    .record({
      topic: fc.oneof(shortString, fc.constantFrom("phoenix", "lv:", "lv:phx-nope")),
      event: pushEvent,
      payload: anyJson,
    })
    .map(
      ({ topic, event, payload }) =>
        (ctx: Ctx) =>
          arr(`${event} on a random topic`, ctx, (ref) => [ctx.joinRef, ref, topic, event, payload]),
    ),
  fc
    .record({ event: pushEvent, payload: eventPayload, joinRef: fc.oneof(fc.constant(null), shortString) })
    .map(
      ({ event, payload, joinRef }) =>
        (ctx: Ctx) =>
          arr(`${event} on the view's topic`, ctx, (ref) => [
            joinRef ?? ctx.joinRef,
            ref,
            ctx.topic,
            event,
            payload,
          ]),
    ),
  fc.record({ payload: eventPayload }).map(
    ({ payload }) =>
      (ctx: Ctx) =>
        arr("event on the joined view", ctx, (ref) => [ctx.joinRef, ref, ctx.topic, "event", payload]),
  ),
  fc
    .oneof(fc.integer(), fc.constant({}), fc.constant([]), fc.boolean(), fc.constant("x".repeat(300)))
    .map(
      (badRef) => (ctx: Ctx) =>
        text("a ref of the wrong type", JSON.stringify([ctx.joinRef, badRef, ctx.topic, "event", {}])),
    ),
  fc.constant((ctx: Ctx) =>
    text("an over-long topic", JSON.stringify([null, ctx.ref(), "t".repeat(300), "phx_join", {}])),
  ),
  // Huge frames: just under the limit (answered), over it (the socket is closed with 1009).
  fc.constant((ctx: Ctx) =>
    arr("a big event payload", ctx, (ref) => [
      ctx.joinRef,
      ref,
      ctx.topic,
      "event",
      { type: "click", event: "inc", value: { pad: "p".repeat(MAX_PAYLOAD - 500) } },
    ]),
  ),
  fc.constant((ctx: Ctx) =>
    text(
      "a frame over maxPayload",
      JSON.stringify([null, ctx.ref(), "phoenix", "heartbeat", { pad: "p".repeat(MAX_PAYLOAD) }]),
    ),
  ),
  // Binary frames: garbage, and a well-formed binary push (an upload chunk, which is refused).
  fc
    .uint8Array({ maxLength: 64 })
    .map((b) => () => ({ data: Buffer.from(b), ref: null, label: "binary garbage" })),
  fc.constant((ctx: Ctx) => {
    const [j, r, t, e] = [ctx.joinRef ?? "", ctx.ref(), ctx.topic, "chunk"];
    const head = Buffer.from([0, j.length, r.length, t.length, e.length]);
    return {
      data: Buffer.concat([head, Buffer.from(j + r + t + e), Buffer.from("data")]),
      ref: r,
      label: "a binary push",
    };
  }),
  // Deeply nested payloads.
  fc.integer({ min: 100, max: 50_000 }).map((depth) => (ctx: Ctx) => {
    const ref = ctx.ref();
    const value = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    return text(
      `a payload nested ${depth} deep`,
      `[${JSON.stringify(ctx.joinRef)},"${ref}","${ctx.topic}","event",{"type":"click","event":"inc","value":${value}}]`,
      ref,
    );
  }),
  fc
    .integer({ min: 1000, max: 50_000 })
    .map((depth) => () => text(`JSON nested ${depth} deep`, "[".repeat(depth) + "]".repeat(depth))),
  // Joins with forged, expired, foreign or malformed session tokens (and, once in a while, a good one).
  fc
    .constantFrom(
      "valid",
      "tampered",
      "expired",
      "foreign",
      "garbage",
      "huge",
      "number",
      "object",
      "none",
      "bad-url",
      "patch-away",
    )
    .map((kind) => (ctx: Ctx) => {
      const { page } = ctx;
      const [body, mac] = page.session.split(".");
      const session: Record<string, unknown> = {
        valid: page.session,
        tampered: `${body.slice(0, -2)}xy.${mac}`,
        expired: new Signer(SECRET, () => Date.now() - 15 * 24 * 3600e3).sign(SALT.session, {
          id: page.id,
          s: {},
        }),
        foreign: ctx.other.session,
        garbage: "a.b",
        huge: "h".repeat(60_000),
        number: 42,
        object: { id: page.id },
        none: undefined,
        "bad-url": page.session,
        "patch-away": page.session,
      };
      const payload = {
        url: kind === "bad-url" ? "not a url" : `${ctx.base}/`,
        params: { _csrf_token: page.csrf, _mounts: 0 },
        session: session[kind],
        static: page.staticToken,
        ...(kind === "patch-away" ? { url: undefined, redirect: `${ctx.base}/nowhere` } : {}),
      };
      const ref = ctx.ref();
      return {
        data: JSON.stringify([ref, ref, ctx.topic, "phx_join", payload]),
        ref,
        label: `a join with a ${kind} session`,
      };
    }),
);
