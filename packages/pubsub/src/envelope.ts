import { Pid } from "@cinder/actors";
import type { Codec } from "./codec.js";

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

/** Why a received envelope was ignored. */
export class EnvelopeError extends Error {
  override name = "EnvelopeError";
  constructor(
    readonly kind: "version" | "malformed",
    message: string,
  ) {
    super(message);
  }
}

// The wire form is one JSON array: [version, kind, origin, target, topic, from1, payload1, from2, payload2, ...]
// with each `from` as [node, id] or null and each payload the codec's output. It is built as text, head then
// items, so an adapter can append the items of consecutive broadcasts to one topic and send them together.

/** The start of an envelope's text (close it with `"]"` after the items). */
export function envelopeHead(kind: "b" | "d", origin: string, target: string | null, topic: string): string {
  return `[${ENVELOPE_VERSION},"${kind}",${JSON.stringify(origin)},${JSON.stringify(target)},${JSON.stringify(topic)}`;
}

/**
 * One broadcast's part of an envelope's text (with its leading comma). The message is encoded first, so one
 * the codec cannot carry throws before anything else happens.
 */
export function envelopeItem(codec: Codec, from: Pid | null, message: unknown): string {
  const payload = JSON.stringify(codec.encode(message));
  return `,${from === null ? "null" : JSON.stringify([from.node, from.id, from.creation])},${payload}`;
}

/** Decodes a received envelope; throws an `EnvelopeError` for another version or a malformed one. */
export function decodeEnvelope(codec: Codec, text: string): Envelope {
  let a: unknown;
  try {
    a = JSON.parse(text);
  } catch {
    throw new EnvelopeError("malformed", "not JSON");
  }
  if (!Array.isArray(a) || typeof a[0] !== "number") throw new EnvelopeError("malformed", "not an envelope");
  if (a[0] !== ENVELOPE_VERSION) throw new EnvelopeError("version", `envelope version ${a[0]}`);
  const [, kind, origin, target, topic] = a;
  if (
    (kind !== "b" && kind !== "d") ||
    typeof origin !== "string" ||
    (target !== null && typeof target !== "string") ||
    typeof topic !== "string" ||
    a.length < 7 ||
    (a.length - 5) % 2 !== 0
  ) {
    throw new EnvelopeError("malformed", "bad envelope fields");
  }
  const items = new Array(a.length - 5);
  for (let i = 5; i < a.length; i += 2) {
    const from = a[i];
    if (
      !(
        from === null ||
        (Array.isArray(from) &&
          typeof from[0] === "string" &&
          typeof from[1] === "number" &&
          typeof (from[2] ?? 0) === "number")
      )
    ) {
      throw new EnvelopeError("malformed", "bad from pid");
    }
    items[i - 5] = from === null ? null : Pid.remote(from[0], from[1], from[2] ?? 0);
    try {
      items[i - 4] = codec.decode(a[i + 1]);
    } catch (err) {
      throw new EnvelopeError(
        "malformed",
        `bad payload: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return { kind, origin, target, topic, items };
}
