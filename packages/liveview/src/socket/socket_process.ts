import { type Behaviour, Exit, type ExitReason, isNormalExit, type Stop, stop } from "@cinder/actors";
import type { LiveContext } from "../context.js";
import { joinFlash } from "../flash.js";
import { clip, quote } from "../logger.js";
import { Channel } from "../transport/channel.js";
import { encodeReply, type Message } from "../transport/frame.js";
import { Incoming, type Transport, TransportClosed } from "../transport/transport.js";
import { UploadChannel } from "../transport/upload_channel.js";
import { admitFrame } from "./frame_gate.js";
import { authorizeJoin, connectParamsOf } from "./join_authorization.js";
import { OVER_BUDGET, type SocketLimits } from "./socket_guard.js";
import { openUploadChannel, routeChunk } from "./upload_routing.js";
import type { ViewLauncher } from "./view_launcher.js";
import { openWebsocket, unmatched, type WebsocketState } from "./websocket_state.js";

/** What a socket process is configured with: the endpoint's context, how to start views, and its limits. */
export interface SocketContext extends LiveContext {
  readonly views: ViewLauncher;
  /** Each websocket's event bucket, error budget and log rate. */
  readonly limits: SocketLimits;
}

/** What the endpoint passes to a socket process it spawns for a new websocket. */
export interface SocketArgs {
  readonly ctx: SocketContext;
  readonly transport: Transport;
}

interface SocketState extends WebsocketState {
  readonly ctx: SocketContext;
}

/**
 * Channels (views) one websocket may join at once: the official client joins one per live view on the
 * page, so more is not a browser.
 */
const MAX_CHANNELS = 100;

/** How long views get to stop (finish their callback, run terminate) after their socket closed. */
const VIEW_SHUTDOWN_MS = 5000;

// Pushes a live view understands; anything else on a joined topic is answered with an error.
const VIEW_EVENTS = new Set([
  "event",
  "live_patch",
  "cids_will_destroy",
  "cids_destroyed",
  "allow_upload",
  "progress",
]);

/**
 * The process behind one websocket (Phoenix's socket process): decodes frames, answers heartbeats,
 * verifies joins and spawns one view process per joined topic, linked to itself, routes pushes to
 * them, and turns their exits into `phx_close` / `phx_error`. It traps exits, so a crashing view takes
 * nothing else down; when the websocket closes it stops, and the link stops every view (each runs its
 * `terminate`).
 */
export const socketBehaviour: Behaviour<SocketState, unknown, SocketArgs> = {
  label: "LiveSocket",
  init(args: SocketArgs): SocketState {
    return { ctx: args.ctx, ...openWebsocket(args.transport, args.ctx.logger, args.ctx.limits) };
  },

  handleInfo(msg: unknown, state: SocketState): SocketState | Stop<SocketState> {
    if (msg instanceof Incoming) return handleIncoming(msg, state);
    if (msg instanceof Exit) return handleExit(msg, state);
    if (msg instanceof TransportClosed) return stop("shutdown", state);
    if (msg === OVER_BUDGET) return overBudget(state);
    return state;
  },

  terminate(_reason: ExitReason, state: SocketState): void {
    state.guard.close();
    state.channels.closeAll(VIEW_SHUTDOWN_MS);
  },
};

function handleIncoming(msg: Incoming, state: SocketState): SocketState | Stop<SocketState> {
  const { guard } = state;
  // Upload chunks go to their upload channel before the gate: they are flow-controlled (one per
  // acknowledgement, sizes capped by the upload's token), so they do not take from the event bucket, which
  // would cap an upload at a few MB/s. A binary frame that cannot be read falls to the gate, which refuses it.
  if (
    msg.binary &&
    !guard.exhausted &&
    routeChunk(msg.data as Buffer, state.channels, state.transport, guard)
  )
    return guard.exhausted ? overBudget(state) : state;
  const a = admitFrame(msg, guard, state.transport, false);
  if ("overBudget" in a) return overBudget(state);
  if ("close" in a) return protocolViolation(state, a.close.code, a.close.reason);
  if ("done" in a) return state;
  route(a.message as Message, state);
  return state.guard.exhausted ? overBudget(state) : state;
}

/** Closes the websocket after a frame that cannot be answered (no ref to reply to, or not a frame). */
function protocolViolation(state: SocketState, code: number, reason: string): Stop<SocketState> {
  // Once per socket, so never rate-limited: the line that says why a client was cut off.
  state.ctx.logger.log("warn", `closing websocket: ${reason}`);
  state.transport.close(code, reason);
  return stop("shutdown", state);
}

/** Closes the websocket of a client that made more protocol errors than its budget allows. */
function overBudget(state: SocketState): Stop<SocketState> {
  const { max, windowMs } = state.ctx.limits.errorBudget;
  return protocolViolation(state, 1008, `more than ${max} protocol errors in ${windowMs} ms`);
}

function route(m: Message, state: SocketState): SocketState {
  const { transport, guard } = state;
  if (m.topic === "phoenix") {
    if (m.event === "heartbeat") transport.send(encodeReply(null, m.ref, "phoenix", "ok", {}));
    else unmatched(m, state);
    return state;
  }
  if (m.event === "phx_join") return join(m, state);
  const ch = state.channels.get(m.topic);
  if (ch === undefined || (m.joinRef !== null && m.joinRef !== ch.joinRef)) {
    // Leaving what is not joined is already done; anything else before a join is an error.
    if (m.event === "phx_leave") transport.send(encodeReply(m.joinRef, m.ref, m.topic, "ok", {}));
    else unmatched(m, state);
    return state;
  }
  if (m.event === "phx_leave") {
    transport.send(encodeReply(ch.joinRef, m.ref, ch.topic, "ok", {}));
    state.channels.close(ch);
    return state;
  }
  if (VIEW_EVENTS.has(m.event) && !(ch instanceof UploadChannel)) {
    state.ctx.views.push(ch.pid!, m.ref, m.event, m.payload);
    return state;
  }
  guard.fault("warn", `unknown event ${quote(m.event)} on ${clip(m.topic)}; replied with an error`);
  transport.send(encodeReply(ch.joinRef, m.ref, ch.topic, "error", { reason: "unknown event" }));
  return state;
}

function join(m: Message, state: SocketState): SocketState {
  const { ctx, transport, guard } = state;
  const { topic, payload } = m;
  const joinRef = m.joinRef ?? m.ref;
  const upload = topic.startsWith("lvu:");
  if (!(upload || topic.startsWith("lv:")) || joinRef === null) {
    unmatched(m, state);
    return state;
  }
  const refuse = (response: Record<string, unknown>, why: string): SocketState => {
    // A client's error (a bad token, too many channels), except following a link to a page no view serves.
    if ("redirect" in response) guard.log.log("info", `REFUSED JOIN ${clip(topic)}: ${why}`);
    else guard.fault("info", `REFUSED JOIN ${clip(topic)}: ${why}`);
    transport.send(encodeReply(joinRef, m.ref, topic, "error", response));
    return state;
  };
  const old = state.channels.get(topic);
  // A second join of a joined topic replaces the first (the client rejoining): close the old one.
  if (old !== undefined) state.channels.close(old);
  if (state.channels.size >= MAX_CHANNELS)
    return refuse({ reason: "too many channels" }, "too many channels");
  if (upload) {
    const ch = openUploadChannel(ctx, state.channels, transport, topic, joinRef, payload);
    if ("why" in ch) return refuse(ch.response, ch.why);
    ch.guard = guard;
    state.channels.add(ch);
    return state;
  }
  const auth = authorizeJoin(ctx, topic, payload);
  if ("why" in auth) return refuse(auth.response, auth.why);
  const { data } = auth;
  // A nested child joins only beside its parent, and stops with it.
  const parent = auth.parent === undefined ? undefined : state.channels.get(`lv:${auth.parent}`)?.pid;
  if (parent === null || (parent === undefined && auth.parent !== undefined))
    return refuse({ reason: "unauthorized" }, "a child view's parent is not joined on this socket");
  const ch = new Channel(topic, joinRef, transport);
  ch.guard = guard;
  ch.pid = ctx.views.start({
    ctx,
    channel: ch,
    route: auth.match,
    url: auth.url,
    session: typeof data.s === "object" && data.s !== null ? data.s : {},
    flash: joinFlash(ctx.signer, payload, data, auth.navigating),
    connectParams: connectParamsOf(payload),
    ...(parent === undefined ? {} : { parent }),
  });
  state.channels.add(ch);
  return state;
}

function handleExit(msg: Exit, state: SocketState): SocketState | Stop<SocketState> {
  // An exit signal from outside any process is a request to stop (e.g. the endpoint shutting down).
  if (msg.from === null) return stop(msg.reason, state);
  const ch = state.channels.byPid(msg.from);
  if (ch === undefined) return state; // a channel already closed (left, replaced)
  state.channels.remove(ch);
  const { guard } = state;
  if (ch.state === "joining") {
    // Crashes count against the client's budget: a client must not loop a view's crash cheaply.
    guard.fault("error", `${ch.topic} crashed while mounting; join refused`);
    ch.refuse({ reason: "join crashed" });
  } else if (ch.state === "joined") {
    if (isNormalExit(msg.reason)) {
      ch.end("phx_close");
    } else {
      // The client shows the error state and rejoins, which mounts the view afresh.
      if (msg.reason === "mailbox_overflow")
        guard.log.log(
          "warn",
          `${ch.topic}: the view's mailbox overflowed (see DEFAULT_VIEW_MAILBOX); it stopped`,
        );
      guard.fault("info", `${ch.topic} crashed; sent phx_error`);
      ch.end("phx_error", { reason: "channel_crash" });
    }
  }
  return guard.exhausted ? overBudget(state) : state;
}
