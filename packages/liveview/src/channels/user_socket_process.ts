import { type Behaviour, Exit, type ExitReason, isNormalExit, type Stop, self, stop } from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";
import { clip, type Logger, quote } from "../logger.js";
import { admitFrame } from "../socket/frame_gate.js";
import { OVER_BUDGET, type SocketLimits } from "../socket/socket_guard.js";
import { openWebsocket, unmatched, type WebsocketState } from "../socket/websocket_state.js";
import type { BinaryMessage } from "../transport/binary_frame.js";
import { Channel as Wire } from "../transport/channel.js";
import { encodeReply, type Message, nestedDeeperThan } from "../transport/frame.js";
import { Incoming, type Transport, TransportClosed } from "../transport/transport.js";
import { ClientPush, pushToChannel, startChannel } from "./channel_process.js";
import { isBroadcastOn } from "./channel_socket.js";
import { type MountedUserSocket, routeTopic } from "./user_socket.js";
import type { Connected } from "./user_socket_connect.js";

/** What the endpoint shares with every user socket process. */
export interface UserSocketContext {
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly limits: SocketLimits;
}

/** What the endpoint passes to the socket process it spawns for an accepted user-socket websocket. */
export interface UserSocketArgs {
  readonly ctx: UserSocketContext;
  readonly mounted: MountedUserSocket;
  readonly connected: Connected;
  readonly transport: Transport;
}

interface UserSocketState extends WebsocketState {
  readonly args: UserSocketArgs;
}

/** Topics one websocket may have joined at once: an app's client joins a handful. */
const MAX_CHANNELS = 100;

/**
 * How deep a payload may nest (as the PubSub's receivers allow, so that what a channel takes it can broadcast):
 * app code that walks a payload recursively must not be handed one nested thousands of levels deep.
 */
const MAX_PAYLOAD_DEPTH = 100;

/** How long channels get to stop (finish their callback, run terminate) after their socket closed. */
const CHANNEL_SHUTDOWN_MS = 5000;

/**
 * The process behind one websocket of a user socket (Phoenix's socket process): it checks every frame
 * (framing, rate, error budget), answers heartbeats, starts one channel process per joined topic (linked to
 * itself), hands pushes to them and turns their exits into `phx_close` / `phx_error`. It traps exits, so a
 * crashing channel takes nothing else down. With an `id`, it listens on that topic for `disconnect`.
 */
export const userSocketBehaviour: Behaviour<UserSocketState, unknown, UserSocketArgs> = {
  label: "UserSocket",
  init(args: UserSocketArgs): UserSocketState {
    const websocket = openWebsocket(args.transport, args.ctx.logger, args.ctx.limits);
    const { id } = args.connected;
    if (id !== null) args.ctx.pubsub.subscribe(self(), id);
    return { args, ...websocket };
  },

  handleInfo(msg: unknown, state: UserSocketState): UserSocketState | Stop<UserSocketState> {
    if (msg instanceof Incoming) return handleIncoming(msg, state);
    if (msg instanceof Exit) return handleExit(msg, state);
    if (msg instanceof TransportClosed) return stop("shutdown", state);
    if (msg === OVER_BUDGET) return overBudget(state);
    const { id } = state.args.connected;
    if (id !== null && isBroadcastOn(msg, id) && msg.event === "disconnect") {
      // As Phoenix: the server closes the connection; a client that may no longer connect is refused then.
      state.args.ctx.logger.log("info", `disconnecting socket ${quote(id)}`);
      state.transport.close(1000, "disconnected");
      return stop({ shutdown: "disconnected" }, state);
    }
    return state;
  },

  terminate(_reason: ExitReason, state: UserSocketState): void {
    state.guard.close();
    state.channels.closeAll(CHANNEL_SHUTDOWN_MS);
  },
};

function handleIncoming(msg: Incoming, state: UserSocketState): UserSocketState | Stop<UserSocketState> {
  const a = admitFrame(msg, state.guard, state.transport, true);
  if ("overBudget" in a) return overBudget(state);
  if ("close" in a) return protocolViolation(state, a.close.code, a.close.reason);
  if ("done" in a) return state;
  route(a.message, a.binary, state);
  return state.guard.exhausted ? overBudget(state) : state;
}

function protocolViolation(state: UserSocketState, code: number, reason: string): Stop<UserSocketState> {
  state.args.ctx.logger.log("warn", `closing websocket of ${state.args.mounted.path}: ${reason}`);
  state.transport.close(code, reason);
  return stop("shutdown", state);
}

function overBudget(state: UserSocketState): Stop<UserSocketState> {
  const { max, windowMs } = state.args.ctx.limits.errorBudget;
  return protocolViolation(state, 1008, `more than ${max} protocol errors in ${windowMs} ms`);
}

function route(m: Message | BinaryMessage, binary: boolean, state: UserSocketState): void {
  const { transport } = state;
  if (m.topic === "phoenix") {
    if (m.event === "heartbeat" && !binary) transport.send(encodeReply(null, m.ref, "phoenix", "ok", {}));
    else unmatched(m, state);
    return;
  }
  if (!binary && nestedDeeperThan(m.payload, MAX_PAYLOAD_DEPTH)) {
    refuse(m, state, `payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels`);
    return;
  }
  if (m.event === "phx_join") {
    if (binary) refuse(m, state, "a join's payload must be JSON");
    else join(m as Message, state);
    return;
  }
  const ch = state.channels.get(m.topic);
  if (ch === undefined || (m.joinRef !== null && m.joinRef !== ch.joinRef)) {
    // Leaving what is not joined is already done; anything else before a join is an error.
    if (m.event === "phx_leave") transport.send(encodeReply(m.joinRef, m.ref, m.topic, "ok", {}));
    else unmatched(m, state);
    return;
  }
  if (m.event === "phx_leave") {
    transport.send(encodeReply(ch.joinRef, m.ref, ch.topic, "ok", {}));
    state.channels.close(ch);
    return;
  }
  if (m.event.startsWith("phx_")) {
    // Reserved for the protocol: a client does not send these on a joined topic.
    refuse(m, state, `reserved event ${quote(m.event)}`);
    return;
  }
  pushToChannel(ch.pid!, new ClientPush(m.ref, m.event, m.payload));
}

/** Answers a frame with an error and counts it against the client's budget. */
function refuse(m: Message | BinaryMessage, state: UserSocketState, why: string): void {
  state.guard.fault("warn", `${quote(m.event)} on ${clip(m.topic)} refused: ${why}`);
  state.transport.send(encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: why }));
}

function join(m: Message, state: UserSocketState): void {
  const { args, transport, guard } = state;
  // The join's reply carries the join's ref, which names the join from then on: phoenix.js sends them equal.
  if (m.ref === null || (m.joinRef !== null && m.joinRef !== m.ref)) {
    refuse(m, state, "a join's join_ref must be its ref");
    return;
  }
  const joinRef = m.ref;
  const target = routeTopic(args.mounted, m.topic);
  if (target === undefined) {
    unmatched(m, state);
    return;
  }
  const old = state.channels.get(m.topic);
  if (old !== undefined) {
    // As Phoenix: a second join of a joined topic on one socket closes the first.
    guard.log.log("debug", `duplicate join of ${clip(m.topic)}: closing the existing channel`);
    state.channels.close(old);
  }
  if (state.channels.size >= MAX_CHANNELS) {
    refuse(m, state, "too many channels");
    return;
  }
  const wire = new Wire(m.topic, joinRef, transport);
  wire.guard = guard;
  wire.pid = startChannel({
    channel: target.channel,
    name: target.name,
    wire,
    payload: m.payload,
    assigns: args.connected.assigns,
    id: args.connected.id,
    pubsub: args.ctx.pubsub,
    logger: args.ctx.logger,
    socket: self(),
  });
  state.channels.add(wire);
}

function handleExit(msg: Exit, state: UserSocketState): UserSocketState | Stop<UserSocketState> {
  // An exit signal from outside any process is a request to stop (the endpoint shutting down).
  if (msg.from === null) return stop(msg.reason, state);
  const ch = state.channels.byPid(msg.from);
  if (ch === undefined) return state; // already closed (left, replaced, refused)
  state.channels.remove(ch);
  const { guard } = state;
  if (ch.state === "joining") {
    // Crashes count against the client's budget: a client must not loop a crash cheaply.
    guard.fault("error", `${ch.topic} crashed while joining: ${describeExit(msg.reason)}; join refused`);
    ch.refuse({ reason: "join crashed" });
  } else if (ch.state === "joined") {
    if (isNormalExit(msg.reason)) {
      ch.end("phx_close");
    } else {
      // The client shows the error and rejoins, which starts the channel afresh.
      guard.fault("info", `${ch.topic} crashed (${describeExit(msg.reason)}); sent phx_error`);
      ch.end("phx_error", {});
    }
  }
  return guard.exhausted ? overBudget(state) : state;
}

function describeExit(reason: ExitReason): string {
  if (typeof reason === "object" && reason !== null && "error" in reason) {
    const e = (reason as { error: unknown }).error;
    return clip(e instanceof Error ? e.message : String(e));
  }
  return clip(String(reason));
}
