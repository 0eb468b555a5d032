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
  status: string,
  response: unknown,
): string {
  return JSON.stringify([joinRef, ref, topic, "phx_reply", { status, response }]);
}

/**
 * `[join_ref,null,topic,event,` : everything of a push frame before its payload. A channel computes it once
 * per event name; `prefix + encodePayload(payload) + "]"` is the frame `JSON.stringify` would make.
 */
export function pushPrefix(joinRef: string | null, topic: string, event: string): string {
  // Joined, not sliced and concatenated: a channel keeps its diff prefix for its life, and V8 keeps a
  // slice-then-concat as three strings (~130 B) where a join makes one flat string (~60 B).
  return [
    "[",
    JSON.stringify(joinRef),
    ",null,",
    JSON.stringify(topic),
    ",",
    JSON.stringify(event),
    ",",
  ].join("");
}

// The last payload encoded, as its keys and values, and its JSON. A broadcast makes every subscribed view
// render and push a diff, and views that showed the same page push equal diffs one after another; those
// are encoded once. Only payloads made of at most MAX_KEYS primitives (and frozen arrays of strings,
// compared by identity: a template's statics) are remembered, so that comparing costs less than encoding.
const MAX_KEYS = 16;
const lastKeys: string[] = [];
const lastValues: unknown[] = [];
let lastLength = -1;
let lastJson = "";

/** `JSON.stringify(payload)`, reusing the previous result when `payload` equals the previous payload. */
export function encodePayload(payload: unknown): string {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return JSON.stringify(payload) ?? "null";
  const obj = payload as Record<string, unknown>;
  if (lastLength >= 0 && sameAsLast(obj)) return lastJson;
  const json = JSON.stringify(obj);
  remember(obj, json);
  return json;
}

/** A frozen array of strings (a template's statics): immutable, so equal by identity. */
function isStatics(v: unknown): boolean {
  if (!Array.isArray(v) || !Object.isFrozen(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
}

function sameAsLast(obj: Record<string, unknown>): boolean {
  let n = 0;
  for (const key in obj) {
    if (n >= lastLength || key !== lastKeys[n]) return false;
    const v = obj[key];
    if (v !== lastValues[n] || !Object.hasOwn(obj, key)) return false;
    n++;
  }
  return n === lastLength;
}

function remember(obj: Record<string, unknown>, json: string): void {
  let n = 0;
  for (const key in obj) {
    const v = obj[key];
    const t = typeof v;
    const plain = t === "string" || t === "number" || t === "boolean" || v === null;
    if (n === MAX_KEYS || !Object.hasOwn(obj, key) || !(plain || isStatics(v))) {
      lastLength = -1;
      return;
    }
    lastKeys[n] = key;
    lastValues[n] = v;
    n++;
  }
  lastLength = n;
  lastJson = json;
}

/**
 * Whether `value` (parsed JSON) nests arrays and objects more than `max` levels deep. Iterative, so a hostile
 * payload nested 50,000 levels deep is measured without recursion, before any code that recurses sees it.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
