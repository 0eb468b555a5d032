/**
 * The frames the endpoint fuzz test throws at a live socket: those every socket must survive
 * (socket_frames.ts), random pushes to a joined view, a binary upload chunk nobody asked for, and joins with
 * forged, expired, foreign and malformed session tokens.
 */
import { SALT, Signer } from "@cinder/liveview/internal";
import fc from "fast-check";
import { type Page, SECRET } from "./liveview.js";
import {
  anyJson,
  arr,
  binaryPush,
  type Frame,
  type FrameCtx,
  shortString,
  socketFrames,
} from "./socket_frames.js";

/** What a live frame is built from: the endpoint's URL, this connection's page and another one's. */
export interface Ctx extends FrameCtx {
  base: string;
  page: Page;
  other: Page;
}

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
export const frames: fc.Arbitrary<Frame<Ctx>> = fc.oneof(
  ...socketFrames("event", (value) => `{"type":"click","event":"inc","value":${value}}`),
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
  // A well-formed binary push (an upload chunk, which is refused).
  fc.constant((ctx: Ctx) => {
    const ref = ctx.ref();
    return {
      data: binaryPush(ctx.joinRef ?? "", ref, ctx.topic, "chunk", Buffer.from("data")),
      ref,
      label: "a binary push",
    };
  }),
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
