/**
 * A live view's client pushes on its channel (events, patches, the component destroy handshake, upload
 * preflights and progress), as its process handles them.
 */
import { type Stop, stop } from "@cinder/actors";
import { hasUnsafeUrlChars } from "../local_path.js";
import { formatDuration, inspectParams, quote } from "../logger.js";
import { UnknownEventError } from "./events.js";
import { applyPatch, finish, renderDiff, type ViewState } from "./view_finish.js";
import { eventValue } from "./view_params.js";
import { callHandleEvent } from "./view_telemetry.js";
import { ownerOf } from "./view_uploads.js";

/** A client push on a joined channel, routed to its view process by the socket process. */
export class ChannelPush {
  constructor(
    readonly ref: string | null,
    readonly event: string,
    readonly payload: Record<string, unknown>,
  ) {}
}

export async function handlePush(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, ctx } = state;
  switch (msg.event) {
    case "event":
      return handleEvent(msg, state).catch((err: unknown) => unknownEvent(err, state));
    case "live_patch":
      return handleLivePatch(msg, state);
    case "cids_will_destroy":
    case "cids_destroyed": {
      const cids = cidsOf(msg.payload);
      if (cids === null) {
        clientError(state, `malformed ${msg.event} on ${channel.topic}; replied with an error`);
        channel.reply(msg.ref, "error", { reason: "malformed cids" });
        return state;
      }
      if (msg.event === "cids_will_destroy") {
        state.components.willDestroy(cids);
        state.tracker.willDestroy(cids);
        channel.reply(msg.ref, "ok", {});
      } else {
        const freed = state.components.destroyed(cids);
        state.tracker.destroyed(freed);
        channel.reply(msg.ref, "ok", { cids: freed });
      }
      return state;
    }
    case "allow_upload":
    case "progress":
      return handleUploadPush(msg, state);
    default:
      ctx.logger.log("debug", `${msg.event} on ${channel.topic} answered with {}`);
      channel.reply(msg.ref, "ok", {});
      return state;
  }
}

async function handleEvent(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { view, socket, channel, ctx } = state;
  const p = msg.payload;
  if (typeof p.event !== "string") {
    clientError(state, `malformed event on ${channel.topic}: no event name; replied with an error`);
    channel.reply(msg.ref, "error", { reason: "malformed event" });
    return state;
  }
  const start = process.hrtime.bigint();
  const value = eventValue(p);
  if (ctx.logger.enabled("debug")) {
    ctx.logger.log(
      "debug",
      `HANDLE EVENT ${quote(p.event)} in ${state.name}\n  Parameters: ${inspectParams(value)}`,
    );
  }
  let reply: Record<string, unknown> | undefined;
  if (typeof p.uploads === "object" && p.uploads !== null && Object.keys(p.uploads).length > 0) {
    // A form with file inputs: the files picked so far, checked against the uploads before the handler runs.
    // (The client sends `uploads: {}` with every form event.)
    for (const [ref, entries] of Object.entries(p.uploads)) {
      const owner = ownerOf(socket.uploadOwners, ref);
      const fault =
        owner === undefined ? "files for an unknown upload" : owner.uploads.putFromForm({ [ref]: entries });
      if (fault !== null) clientError(state, `${channel.topic}: ${fault}`);
      else if (owner?.cid != null) state.components.touch(owner.cid);
    }
  }
  if (p.cid !== undefined) {
    if (!isCid(p.cid)) {
      clientError(state, `malformed event on ${channel.topic}: bad cid; replied with an error`);
      channel.reply(msg.ref, "error", { reason: "malformed event" });
      return state;
    }
    const handled = await state.components.handleEvent(p.cid, p.event, value);
    // A component the client still shows but the server freed (a race with the destroy handshake).
    if (handled === undefined)
      ctx.logger.log("debug", `event ${quote(p.event)} for unknown cid ${p.cid} ignored`);
    else if (typeof handled.result === "object" && handled.result !== null) reply = handled.result.reply;
  } else if (p.event === "lv:clear-flash") {
    // Reserved by Phoenix: the client's flash close buttons send it, with the kind as `key`.
    socket.clearFlash(typeof value.key === "string" ? value.key : undefined);
  } else {
    const result = await callHandleEvent(view, state.name, p.event, value, socket);
    if (typeof result === "object" && result !== null && typeof result.reply === "object")
      reply = result.reply;
  }
  const next = await finish(state, msg.ref, reply);
  if (ctx.logger.enabled("debug")) ctx.logger.log("debug", `Replied in ${formatDuration(start)}`);
  return next;
}

/**
 * An event with no handler crashes the view, as in Phoenix (the client rejoins). It is the client's doing
 * as much as the code's, so it is logged through the socket's rate limit and counted against its error
 * budget rather than thrown to the runtime's crash log, which any client could flood. Other errors rethrow.
 */
function unknownEvent(err: unknown, state: ViewState): Stop<ViewState> {
  if (!(err instanceof UnknownEventError)) throw err;
  const { guard } = state.channel;
  if (guard !== null) guard.fault("error", err.message);
  else state.ctx.logger.log("error", err.message);
  return stop({ error: err }, state);
}

/** A warning about what the client sent: counted against its socket's error budget, rate-limited. */
function clientError(state: ViewState, message: string): void {
  const { guard } = state.channel;
  if (guard !== null) guard.fault("warn", message);
  else state.ctx.logger.log("warn", message);
}

/** `allow_upload` (a preflight: the reply carries tokens) and `progress`, for a view that allowed uploads. */
async function handleUploadPush(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, socket, ctx } = state;
  // Upload refs are random and unique: the ref finds the view's or a component's upload (the `cid` the
  // client also sends is not needed).
  const owner = ownerOf(socket.uploadOwners, msg.payload.ref);
  if (owner === undefined) {
    clientError(state, `${msg.event} on ${channel.topic} for no upload of this view; replied with an error`);
    channel.reply(msg.ref, "error", { reason: "no uploads allowed" });
    return state;
  }
  const touch = () => {
    if (owner.cid !== null) state.components.touch(owner.cid);
  };
  if (msg.event === "progress") {
    const fault = await owner.uploads.progress(msg.payload, owner.socket);
    if (fault !== null) clientError(state, `${channel.topic}: ${fault}`);
    touch();
    return finish(state, msg.ref, undefined);
  }
  const response = await owner.uploads.preflight(msg.payload, owner.socket, ctx.signer, channel.topic);
  if (typeof response === "string") {
    clientError(state, `${channel.topic}: ${response}; replied with an error`);
    channel.reply(msg.ref, "error", { reason: response });
    return state;
  }
  touch();
  const diff = renderDiff(state);
  channel.reply(msg.ref, "ok", diff === null ? response : { ...response, diff });
  return state;
}

async function handleLivePatch(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, ctx, socket } = state;
  const url = parseUrl(msg.payload.url, socket.url);
  const match = url === null ? null : ctx.router.match(url.pathname);
  if (url === null || match === null || match.view !== state.view) {
    // Not this view's URL: the client navigates to it over the same socket instead.
    channel.reply(msg.ref, "ok", { link_redirect: true });
    return state;
  }
  const nav = await applyPatch(state, url, match);
  if (nav !== null) socket.navigation = nav;
  return finish(state, msg.ref, undefined);
}

function parseUrl(value: unknown, base: URL): URL | null {
  // What a URL parser would drop or rewrite is refused, as in a join's URL.
  if (typeof value !== "string" || hasUnsafeUrlChars(value)) return null;
  try {
    const url = new URL(value, base);
    // A patch stays on this page's origin; anything else is not a patch.
    return url.origin === base.origin ? url : null;
  } catch {
    return null;
  }
}

function isCid(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** The `cids` of a destroy push, or null when malformed. */
function cidsOf(payload: Record<string, unknown>): number[] | null {
  const cids = payload.cids;
  if (!Array.isArray(cids) || cids.length > 100_000 || !cids.every(isCid)) return null;
  return cids;
}
