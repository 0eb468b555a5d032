import { Pid } from "@cinder/actors";
import type { Codec } from "./codec.js";

/** The envelope version this code writes and reads. A node ignores (and counts) any other. */
export const ENVELOPE_VERSION = 1;

/** What travels between nodes: one broadcast, with where it comes from and where it may be dispatched. */
export interface Envelope {
  /** `"b"`: dispatch on every node but `origin`; `"d"`: dispatch on `target` only. */
  readonly kind: "b" | "d";
  readonly origin: string;
  readonly target: string | null;
  readonly from: Pid | null;
  readonly topic: string;
  readonly message: unknown;
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

/**
 * Encodes an envelope as one JSON text: `[version, kind, origin, target, from, topic, payload]`, with `from` as
 * `[node, id]` or null and `payload` the codec's output. The payload is encoded first, so a message the codec
 * cannot carry throws before anything else happens.
 */
export function encodeEnvelope(codec: Codec, e: Envelope): string {
  const payload = codec.encode(e.message);
  const from = e.from === null ? null : [e.from.node, e.from.id];
  return JSON.stringify([ENVELOPE_VERSION, e.kind, e.origin, e.target, from, e.topic, payload]);
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
  const [, kind, origin, target, from, topic, payload] = a;
  if (
    (kind !== "b" && kind !== "d") ||
    typeof origin !== "string" ||
    (target !== null && typeof target !== "string") ||
    typeof topic !== "string" ||
    !(from === null || (Array.isArray(from) && typeof from[0] === "string" && typeof from[1] === "number"))
  ) {
    throw new EnvelopeError("malformed", "bad envelope fields");
  }
  let message: unknown;
  try {
    message = codec.decode(payload);
  } catch (err) {
    throw new EnvelopeError("malformed", `bad payload: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    kind,
    origin,
    target,
    from: from === null ? null : new Pid(from[0], from[1], null),
    topic,
    message,
  };
}
