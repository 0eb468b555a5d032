import { quote } from "../logger.js";
import { type BinaryMessage, decodeBinaryFrame } from "../transport/binary_frame.js";
import { decodeFrame, encodeReply, type Message } from "../transport/frame.js";
import type { Incoming, Transport } from "../transport/transport.js";
import type { SocketGuard } from "./socket_guard.js";

/**
 * What becomes of one frame from a client: a message to route; nothing more to do (it was answered with an
 * error, or dropped); a websocket to close because the frame cannot be answered; or a client past its error
 * budget.
 */
export type Admission =
  | { readonly message: Message | BinaryMessage; readonly binary: boolean }
  | { readonly done: true }
  | { readonly close: { readonly code: number; readonly reason: string } }
  | { readonly overBudget: true };

const DONE: Admission = { done: true };
const OVER: Admission = { overBudget: true };

/**
 * The checks every frame passes before a socket process routes it, the same for the live socket and user
 * sockets: the error budget, the framing (text, or binary when `binary` is allowed), and the event bucket
 * (heartbeats are free). Refusals are answered when the frame carries a ref, and counted.
 */
export function admitFrame(
  msg: Incoming,
  guard: SocketGuard,
  transport: Transport,
  binary: boolean,
): Admission {
  // Frames that were queued before the budget ran out are not worth reading.
  if (guard.exhausted) return OVER;
  let m: Message | BinaryMessage;
  if (msg.binary) {
    const buf = typeof msg.data === "string" ? Buffer.from(msg.data) : msg.data;
    const decoded = decodeBinaryFrame(buf);
    if (!binary) {
      const over = guard.fault("warn", "binary frame refused: this socket takes text frames only");
      const replyTo = "error" in decoded ? decoded.replyTo : decoded.ref === null ? undefined : decoded;
      if (replyTo === undefined || replyTo.ref === null)
        return { close: { code: 1003, reason: "binary frames are not supported" } };
      transport.send(
        encodeReply(replyTo.joinRef, replyTo.ref, replyTo.topic, "error", {
          reason: "binary frames are not supported",
        }),
      );
      return over ? OVER : DONE;
    }
    if ("error" in decoded) return refuse(decoded.error, decoded.replyTo, guard, transport);
    m = decoded;
  } else {
    const decoded = decodeFrame(typeof msg.data === "string" ? msg.data : msg.data.toString("utf8"));
    if ("error" in decoded) return refuse(decoded.error, decoded.replyTo, guard, transport);
    m = decoded;
  }
  // Every frame but a heartbeat takes a token from the socket's bucket (see EventRate).
  if ((m.event !== "heartbeat" || m.topic !== "phoenix") && !guard.take()) {
    transport.send(encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: "too many events" }));
    const over = guard.fault("warn", `${quote(m.event)} on ${quote(m.topic)} refused: too many events`);
    return over ? OVER : DONE;
  }
  return { message: m, binary: msg.binary };
}

/** A malformed frame: answered when it can be (it had a ref and a topic), else the websocket closes. */
function refuse(
  error: string,
  replyTo: { joinRef: string | null; ref: string; topic: string } | undefined,
  guard: SocketGuard,
  transport: Transport,
): Admission {
  const over = guard.fault("warn", `malformed frame: ${error}`);
  if (replyTo === undefined) return { close: { code: 1008, reason: "malformed frame" } };
  transport.send(
    encodeReply(replyTo.joinRef, replyTo.ref, replyTo.topic, "error", { reason: "malformed message" }),
  );
  return over ? OVER : DONE;
}
