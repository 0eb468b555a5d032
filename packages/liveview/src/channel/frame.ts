/**
 * The channel layer's framing (phoenix.js `serializer.js`, vsn 2.0.0): each text frame is a JSON array
 * `[join_ref, ref, topic, event, payload]`.
 */
export interface Message {
  readonly joinRef: string | null;
  readonly ref: string | null;
  readonly topic: string;
  readonly event: string;
  readonly payload: Record<string, unknown>;
}

/** Why a frame was refused, and what can still be answered. */
export interface FrameError {
  readonly error: string;
  /** Set when the frame was well enough formed to reply to (it had a ref and a topic). */
  readonly replyTo?: { joinRef: string | null; ref: string; topic: string };
}

/** Where a socket writes its frames: a `ws` WebSocket, or an in-memory pipe in the test harness. */
export interface Transport {
  send(frame: string): void;
  close(code: number, reason: string): void;
}

// Refs are counters the client sends as strings; topics and events are short names. Anything longer is
// not from the official client and is refused before it is looked up anywhere.
const MAX_FIELD = 256;

/** Parses a text frame. Never throws. */
export function decodeFrame(text: string): Message | FrameError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: "frame is not JSON" };
  }
  if (!Array.isArray(parsed) || parsed.length !== 5) return { error: "frame is not a 5-element array" };
  const [joinRef, ref, topic, event, payload] = parsed as unknown[];
  if (!isRef(joinRef) || !isRef(ref)) return { error: "join_ref and ref must be strings or null" };
  if (typeof topic !== "string" || topic === "" || topic.length > MAX_FIELD) return { error: "bad topic" };
  const replyTo = ref === null ? undefined : { joinRef, ref, topic };
  if (typeof event !== "string" || event === "" || event.length > MAX_FIELD)
    return { error: "bad event", replyTo };
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return { error: "payload must be an object", replyTo };
  }
  return { joinRef, ref, topic, event, payload: payload as Record<string, unknown> };
}

function isRef(v: unknown): v is string | null {
  return v === null || (typeof v === "string" && v.length <= MAX_FIELD);
}

/** A reply to the push with `ref`. */
export function encodeReply(
  joinRef: string | null,
  ref: string | null,
  topic: string,
  status: "ok" | "error",
  response: unknown,
): string {
  return JSON.stringify([joinRef, ref, topic, "phx_reply", { status, response }]);
}

/** A server push on a joined channel (`ref` is null: nothing answers it). */
export function encodePush(joinRef: string | null, topic: string, event: string, payload: unknown): string {
  return JSON.stringify([joinRef, null, topic, event, payload]);
}
