import type { Pid } from "@cinder/actors";
import type { Codec } from "./codec.js";
import { envelopeHead, envelopeItem } from "./envelope.js";
import { CodecError } from "./errors.js";
import type { ReceiveLimits } from "./limits.js";

/**
 * Throws a `CodecError` unless an envelope of `kind` from `origin` to `target` (null: every node) on `topic`,
 * carrying one broadcast of `itemBytes` encoded bytes, fits `maxEnvelopeBytes`, the bound receivers check
 * before they parse anything. Only a message near the bound needs the exact size: a head's bytes are bounded
 * by its names' lengths (6 bytes a character at most, escaped).
 */
export function checkEnvelopeBytes(
  kind: "b" | "d",
  origin: string,
  target: string | null,
  topic: string,
  itemBytes: number,
  max: number,
): void {
  const names = origin.length + (target?.length ?? 0) + topic.length;
  if (itemBytes + 6 * names + 32 <= max) return;
  if (Buffer.byteLength(envelopeHead(kind, origin, target, topic)) + itemBytes + 1 <= max) return;
  throw new CodecError(
    `the message takes ${itemBytes} bytes encoded, past limits.maxEnvelopeBytes (${max}), which receivers refuse`,
    [],
    "maxEnvelopeBytes",
  );
}

/**
 * What the Redis adapter checks before it sends a broadcast, without sending it: the message encodes with
 * `codec` within `limits`, and its envelope fits. The local adapter runs it in development and test, so a
 * broadcast that could not cross nodes fails on one node too. Throws a `CodecError` naming what and where.
 */
export function checkPayload(
  codec: Codec,
  limits: ReceiveLimits,
  kind: "b" | "d",
  origin: string,
  target: string | null,
  topic: string,
  message: unknown,
  from: Pid | null,
): void {
  const item = envelopeItem(codec, from, message, limits);
  checkEnvelopeBytes(kind, origin, target, topic, Buffer.byteLength(item), limits.maxEnvelopeBytes);
}
