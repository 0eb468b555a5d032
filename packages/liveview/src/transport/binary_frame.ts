/**
 * The binary frames of the channel layer (phoenix.js `serializer.js`, vsn 2.0.0), used for payloads that are
 * `ArrayBuffer`s. A header byte says the kind; then one length byte per text field, the fields (UTF-8), and
 * the payload's bytes:
 * - push, client to server (kind 0): join_ref, ref, topic, event;
 * - push, server to client (kind 0): join_ref, topic, event (a push has no ref);
 * - reply (kind 1): join_ref, ref, topic, status;
 * - broadcast (kind 2): topic, event.
 */

const PUSH = 0;
const REPLY = 1;
const BROADCAST = 2;

/** A binary push from a client: its fields and its payload (a copy, safe to keep). */
export interface BinaryMessage {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: ArrayBuffer;
}

/** Why a binary frame was refused, and, when the header could be read, what to reply to. */
export interface BinaryFrameError {
  readonly error: string;
  readonly replyTo?: { joinRef: string | null; ref: string; topic: string };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a client's binary frame. Never throws. */
export function decodeBinaryFrame(buf: Uint8Array): BinaryMessage | BinaryFrameError {
  if (buf.length < 5) return { error: "binary frame shorter than its header" };
  const sizes = [buf[1]!, buf[2]!, buf[3]!, buf[4]!];
  let at = 5;
  const fields: string[] = [];
  for (const size of sizes) {
    if (at + size > buf.length) return { error: "binary frame shorter than its header says" };
    try {
      fields.push(utf8.decode(buf.subarray(at, at + size)));
    } catch {
      return { error: "binary frame header is not UTF-8" };
    }
    at += size;
  }
  const [joinRef, ref, topic, event] = fields as [string, string, string, string];
  // phoenix.js encodes a null ref as an empty field.
  const replyTo = ref === "" || topic === "" ? undefined : { joinRef: joinRef || null, ref, topic };
  if (buf[0] !== PUSH)
    return { error: `binary frame of kind ${buf[0]} (a client sends pushes, kind 0)`, replyTo };
  if (topic === "") return { error: "bad topic" };
  if (event === "") return { error: "bad event", replyTo };
  const payload = new Uint8Array(buf.length - at);
  payload.set(buf.subarray(at));
  return { joinRef: joinRef || null, ref: ref || null, topic, event, payload: payload.buffer };
}

/** Whether `value` goes out as a binary frame: an `ArrayBuffer` or a view of one (a `Buffer`, a typed array). */
export function isBinaryPayload(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** A server push with a binary payload. Throws if a field is longer than 255 bytes. */
export function encodeBinaryPush(
  joinRef: string | null,
  topic: string,
  event: string,
  payload: ArrayBuffer | ArrayBufferView,
): Buffer {
  return encode(PUSH, [joinRef ?? "", topic, event], payload);
}

/** A reply with a binary response. Throws if a field is longer than 255 bytes. */
export function encodeBinaryReply(
  joinRef: string | null,
  ref: string,
  topic: string,
  status: string,
  response: ArrayBuffer | ArrayBufferView,
): Buffer {
  return encode(REPLY, [joinRef ?? "", ref, topic, status], response);
}

/** A broadcast with a binary payload (no join_ref: it is for whoever joined the topic). */
export function encodeBinaryBroadcast(
  topic: string,
  event: string,
  payload: ArrayBuffer | ArrayBufferView,
): Buffer {
  return encode(BROADCAST, [topic, event], payload);
}

function encode(kind: number, fields: readonly string[], payload: ArrayBuffer | ArrayBufferView): Buffer {
  const encoded = fields.map((f) => Buffer.from(f, "utf8"));
  const body =
    payload instanceof ArrayBuffer
      ? new Uint8Array(payload)
      : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  let size = 1 + fields.length + body.byteLength;
  for (const f of encoded) {
    if (f.length > 255) throw new RangeError(`binary frame: a field is ${f.length} bytes (at most 255)`);
    size += f.length;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = kind;
  let at = 1;
  for (const f of encoded) out[at++] = f.length;
  for (const f of encoded) at += f.copy(out, at);
  out.set(body, at);
  return out;
}
