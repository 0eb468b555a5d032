import { self } from "@cinder/actors";
import { type Logger, quote } from "../logger.js";
import type { BinaryMessage } from "../transport/binary_frame.js";
import { encodeReply, type Message } from "../transport/frame.js";
import type { Transport } from "../transport/transport.js";
import { ChannelTable } from "./channel_table.js";
import { SocketGuard, type SocketLimits } from "./socket_guard.js";

/**
 * What a socket process holds for its websocket, the live socket's (socket_process.ts) as a user socket's
 * (channels/user_socket_process.ts).
 */
export interface WebsocketState {
  readonly transport: Transport;
  /** Joined (or joining) channels. */
  readonly channels: ChannelTable;
  /** Event bucket, error budget, rate-limited log lines. */
  readonly guard: SocketGuard;
}

/** The websocket state of a socket process starting on `transport` (from the process's `init`). */
export function openWebsocket(transport: Transport, logger: Logger, limits: SocketLimits): WebsocketState {
  const guard = new SocketGuard(logger, limits, self());
  return { transport, channels: new ChannelTable(), guard };
}

/** Answers a frame for a topic nothing on this socket serves; it counts against the client's budget. */
export function unmatched(m: Message | BinaryMessage, state: WebsocketState): void {
  state.guard.fault("warn", `Ignoring unmatched topic ${quote(m.topic)} (event ${quote(m.event)})`);
  state.transport.send(encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: "unmatched topic" }));
}
