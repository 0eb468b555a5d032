import {
  type Behaviour,
  cast,
  describeValue,
  Exit,
  type ExitReason,
  isTraced,
  type Pid,
  type Stop,
  self,
  spawn,
  stop,
  traceCall,
} from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";
import { telemetry } from "../diagnostics.js";
import { filterParams, type Logger } from "../logger.js";
import { encodeBinaryReply, isBinaryPayload } from "../transport/binary_frame.js";
import type { Channel as Wire } from "../transport/channel.js";
import { encodeReply } from "../transport/frame.js";
import { DEFAULT_CHANNEL_MAILBOX, type ServerChannel } from "./channel_definition.js";
import { ChannelSocketImpl, isBroadcastOn } from "./channel_socket.js";

/** A client push on a joined channel, handed by the socket process to the channel process. */
export class ClientPush {
  constructor(
    readonly ref: string | null,
    readonly event: string,
    readonly payload: Record<string, unknown> | ArrayBuffer,
  ) {}
}

/** What the user socket process passes to a channel process it starts for a `phx_join`. */
export interface ChannelStart {
  readonly channel: ServerChannel;
  /** For logs: the channel's name, or the topic pattern that matched. */
  readonly name: string;
  /** The frames of this join (its join_ref, its state), shared with the socket process. */
  readonly wire: Wire;
  readonly payload: Record<string, unknown>;
  /** The socket's assigns (from `connect`). */
  readonly assigns: Readonly<Record<string, unknown>>;
  /** The socket's id, or null. */
  readonly id: string | null;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  /** The socket process: its exit ends the channel, whatever the channel traps. */
  readonly socket: Pid;
}

interface ChannelState {
  readonly args: ChannelStart;
  readonly socket: ChannelSocketImpl<any>;
}

/** Spawns the process of one joined channel, linked to the calling socket process. */
export function startChannel(args: ChannelStart): Pid {
  return spawn(channelBehaviour, args, {
    // Linked: the channel ends with its socket. Trapping: so that end runs the channel's terminate.
    link: true,
    trapExit: true,
    mailbox: args.channel.mailbox ?? DEFAULT_CHANNEL_MAILBOX,
  });
}

/** Hands a client's push to its channel process. */
export function pushToChannel(pid: Pid, push: ClientPush): void {
  cast(pid, push);
}

/**
 * The process of one joined channel (Phoenix's channel server): `init` runs `join` and answers it, then
 * client pushes arrive as casts (`handleIn`), broadcasts on the topic go to the client (or through
 * `handleOut` when intercepted), and anything else goes to `handleInfo`.
 */
const channelBehaviour: Behaviour<ChannelState, unknown, ChannelStart> = {
  label: (state) => (state?.args.name ? `Channel ${state.args.name}` : "Channel"),
  async init(args: ChannelStart): Promise<ChannelState | Stop<ChannelState>> {
    const { channel, wire, pubsub, logger, name } = args;
    const topic = wire.topic;
    const socket = new ChannelSocketImpl<any>(topic, args.id, args.assigns, wire, pubsub, self(), logger);
    const join = () => channel.join(topic, args.payload, socket);
    const result: unknown = await (isTraced(telemetry.channelJoin)
      ? traceCall(telemetry.channelJoin, { channel: name, topic, params: filterParams(args.payload) }, join)
      : join());
    if (typeof result !== "object" || result === null || !("ok" in result || "error" in result))
      throw new TypeError(`${name}: join must return { ok } or { error }, got ${describeValue(result)}`);
    const { ok, error } = result as { ok?: unknown; error?: unknown };
    if (error !== undefined) {
      if (!isObject(error))
        throw new TypeError(`${name}: join's { error } must be an object, got ${describeValue(error)}`);
      if (logger.enabled("info")) logger.log("info", `REFUSED JOIN ${topic} (${name})`);
      wire.refuse(error);
      return stop("normal");
    }
    if (ok !== undefined && !isObject(ok))
      throw new TypeError(`${name}: join's { ok } reply must be an object, got ${describeValue(ok)}`);
    pubsub.subscribe(self(), topic);
    wire.joined(ok ?? {});
    socket.release();
    if (logger.enabled("debug")) logger.log("debug", `JOINED ${topic} (${name})`);
    return { args, socket };
  },

  async handleCast(msg: unknown, state: ChannelState): Promise<ChannelState> {
    if (!(msg instanceof ClientPush)) return state;
    const { channel, name, wire } = state.args;
    const handle = () => channel.handleIn(msg.event, msg.payload, state.socket);
    const result: unknown = await (isTraced(telemetry.channelHandleIn)
      ? traceCall(
          telemetry.channelHandleIn,
          {
            channel: name,
            topic: wire.topic,
            event: msg.event,
            params: msg.payload instanceof ArrayBuffer ? "[BINARY]" : filterParams(msg.payload),
          },
          handle,
        )
      : handle());
    if (result === undefined || result === null) return state;
    const reply = typeof result === "object" ? (result as { reply?: unknown }).reply : undefined;
    if (!isObject(reply) || typeof reply.status !== "string" || reply.status === "")
      throw new TypeError(
        `${name}: handleIn must return nothing or { reply: { status, response } }, got ${describeValue(result)}`,
      );
    const { status } = reply;
    const response = reply.response ?? {};
    if (msg.ref === null || wire.state === "closed") return state;
    if (isBinaryPayload(response)) {
      wire.transport.send(encodeBinaryReply(wire.joinRef, msg.ref, wire.topic, status, response));
    } else if (isObject(response)) {
      wire.transport.send(encodeReply(wire.joinRef, msg.ref, wire.topic, status, response));
    } else {
      throw new TypeError(
        `${name}: a reply's response must be an object or bytes, got ${describeValue(response)}`,
      );
    }
    return state;
  },

  async handleInfo(msg: unknown, state: ChannelState): Promise<ChannelState | Stop<ChannelState>> {
    const { channel, wire, socket: socketPid, logger, name } = state.args;
    const { socket } = state;
    if (isBroadcastOn(msg, wire.topic)) {
      if (channel.intercept?.includes(msg.event) === true) {
        await channel.handleOut!(msg.event, msg.payload as Record<string, unknown>, socket);
      } else if (isObject(msg.payload) || isBinaryPayload(msg.payload)) {
        socket.push(msg.event, msg.payload);
      } else {
        // Not a payload a client can take: one bad broadcast must not crash every channel of the topic.
        logger.log(
          "warn",
          `${name}: broadcast ${JSON.stringify(msg.event)} on ${wire.topic} dropped: its payload is not an object`,
        );
      }
      return state;
    }
    if (msg instanceof Exit) {
      // Its socket went away: the channel ends with it, whatever it traps.
      if (msg.from === socketPid) return stop(msg.reason === "normal" ? "shutdown" : msg.reason, state);
      // Trapping only so that terminate runs: for any other linked process it behaves as if it did not.
      if (channel.trapExit !== true) return msg.reason === "normal" ? state : stop(msg.reason, state);
    }
    if (channel.handleInfo === undefined) {
      logger.log("warn", `${name} on ${wire.topic} received a message but defines no handleInfo; dropped`);
      return state;
    }
    await channel.handleInfo(msg, socket);
    return state;
  },

  async terminate(reason: ExitReason, state: ChannelState): Promise<void> {
    // undefined when join never completed (it threw, or the socket closed meanwhile).
    if (state === undefined) return;
    await state.args.channel.terminate?.(reason, state.socket);
  },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isBinaryPayload(v);
}
