import { Pid } from "@cinder/actors";
import { type Codec, type CodecLimits, isPidTuple } from "./codec.js";
import { CodecError } from "./errors.js";
import type { ReceiveLimits } from "./limits.js";

/** The envelope version this code writes and reads. A node ignores (and counts) any other. */
export const ENVELOPE_VERSION = 1;

/**
 * What travels between nodes: one or more broadcasts to one topic, from one node, in the order they were
 * made, with where they may be dispatched.
 */
export interface Envelope {
  /** `"b"`: dispatch on every node but `origin`; `"d"`: dispatch on `target` only. */
  readonly kind: "b" | "d";
  readonly origin: string;
  readonly target: string | null;
  readonly topic: string;
  /** The broadcasts: `from` pids and messages alternate, `[from1, message1, from2, message2, ...]`. */
  readonly items: unknown[];
}

/** Why a received envelope was dropped (each has its counter in the adapter's stats). */
export type DropReason =
  | "version"
  | "malformed"
  | "tooLarge"
  | "tooManyItems"
  | "tooDeep"
  | "tooLong"
  | "wrongTopic"
  | "wrongTarget"
  | "unsigned"
  | "badSignature";

/** Why a received envelope was dropped. */
export class EnvelopeError extends Error {
  override name = "EnvelopeError";
  constructor(
    readonly kind: DropReason,
    message: string,
  ) {
    super(message);
  }
}

// The wire form is one JSON array: [version, kind, origin, target, topic, from1, payload1, from2, payload2, ...]
// with each `from` as [node, id, creation] or null and each payload the codec's output. It is built as text,
// head then items, so an adapter can append the items of consecutive broadcasts to one topic and send them
// together.

/** The start of an envelope's text (close it with `"]"` after the items). */
export function envelopeHead(kind: "b" | "d", origin: string, target: string | null, topic: string): string {
  return `[${ENVELOPE_VERSION},"${kind}",${JSON.stringify(origin)},${JSON.stringify(target)},${JSON.stringify(topic)}`;
}

/**
 * One broadcast's part of an envelope's text (with its leading comma). The message is encoded first, so one
 * the codec cannot carry (or that is past the limits receivers apply) throws before anything else happens.
 */
export function envelopeItem(codec: Codec, from: Pid | null, message: unknown, limits?: CodecLimits): string {
  const payload = JSON.stringify(codec.encode(message, limits));
  from?.markExported();
  return `,${from === null ? "null" : JSON.stringify([from.node, from.id, from.creation])},${payload}`;
}

/** A parsed envelope whose head is well-formed (the payloads are still the codec's data). */
export type WireEnvelope = [typeof ENVELOPE_VERSION, "b" | "d", string, string | null, string, ...unknown[]];

/**
 * The envelope guard: version 1, a kind, a non-empty origin, a target (null for `"b"`, a node for `"d"`), a
 * non-empty topic, and one or more `from` (a pid tuple or null) and payload pairs.
 */
export function isWireEnvelope(a: unknown): a is WireEnvelope {
  if (!Array.isArray(a) || a[0] !== ENVELOPE_VERSION || a.length < 7 || (a.length - 5) % 2 !== 0)
    return false;
  const [, kind, origin, target, topic] = a;
  if (kind !== "b" && kind !== "d") return false;
  if (typeof origin !== "string" || origin === "" || typeof topic !== "string" || topic === "") return false;
  if (kind === "b" ? target !== null : typeof target !== "string" || target === "") return false;
  for (let i = 5; i < a.length; i += 2) if (a[i] !== null && !isPidTuple(a[i])) return false;
  return true;
}

/**
 * Parses the text of a received envelope (its size was checked before) and checks its head, refusing with an
 * `EnvelopeError` anything but a well-formed envelope of at most `limits.maxItems` broadcasts. The payloads
 * are left to `openEnvelope`, so the receiver can check the head against the channel first.
 */
export function parseEnvelope(text: string, limits: ReceiveLimits): WireEnvelope {
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    throw new EnvelopeError("malformed", "not JSON");
  }
  if (!Array.isArray(a) || typeof a[0] !== "number") throw new EnvelopeError("malformed", "not an envelope");
  if (a[0] !== ENVELOPE_VERSION) throw new EnvelopeError("version", `envelope version ${a[0]}`);
  const count = Math.floor((a.length - 5) / 2);
  if (count > limits.maxItems) {
    throw new EnvelopeError(
      "tooManyItems",
      `${count} broadcasts in one envelope, past limits.maxItems (${limits.maxItems})`,
    );
  }
  if (!isWireEnvelope(a)) throw new EnvelopeError("malformed", "bad envelope fields");
  return a;
}

/** Decodes the payloads of a parsed envelope, refusing with an `EnvelopeError` what is past `limits`. */
export function openEnvelope(codec: Codec, a: WireEnvelope, limits: ReceiveLimits): Envelope {
  const items = new Array(a.length - 5);
  for (let i = 5; i < a.length; i += 2) {
    const from = a[i] as [string, number, number?] | null;
    items[i - 5] = from === null ? null : Pid.remote(from[0], from[1], from[2] ?? 0);
    try {
      items[i - 4] = codec.decode(a[i + 1], limits);
    } catch (err) {
      throw payloadError(err);
    }
  }
  return { kind: a[1], origin: a[2], target: a[3], topic: a[4], items };
}

/** `parseEnvelope`, then `openEnvelope`. */
export function decodeEnvelope(codec: Codec, text: string, limits: ReceiveLimits): Envelope {
  return openEnvelope(codec, parseEnvelope(text, limits), limits);
}

function payloadError(err: unknown): EnvelopeError {
  const text = err instanceof Error ? err.message : String(err);
  if (err instanceof CodecError && err.limit !== undefined) {
    return new EnvelopeError(err.limit === "maxDepth" ? "tooDeep" : "tooLong", `a payload ${text}`);
  }
  return new EnvelopeError("malformed", `bad payload: ${text}`);
}
