/**
 * What a node accepts from the others. Anything past a limit is dropped and counted, never parsed further; a
 * sender refuses (throws) what its receivers would drop, so a cluster whose nodes share the limits never loses a
 * message to them. Every node of a cluster should use the same limits.
 */
export interface ReceiveLimits {
  /** Bytes of one envelope as it arrives, checked before it is parsed (default 1 MiB). */
  maxEnvelopeBytes: number;
  /** Broadcasts in one envelope (default 256, what a sender batches at most). */
  maxItems: number;
  /** Nesting of one message: arrays, objects, Map and Set entries each add a level (default 100). */
  maxDepth: number;
  /** Characters of an encoded BigInt, checked before `BigInt()` runs (default 1024: parsing is quadratic). */
  maxBigIntLength: number;
  /** Characters of an encoded (base64) Uint8Array or Buffer (default 1 MiB). */
  maxBytesLength: number;
}

/** The defaults of {@link ReceiveLimits}. */
export const DEFAULT_LIMITS: Readonly<ReceiveLimits> = Object.freeze({
  maxEnvelopeBytes: 1024 * 1024,
  maxItems: 256,
  maxDepth: 100,
  maxBigIntLength: 1024,
  maxBytesLength: 1024 * 1024,
});

/** The defaults overridden by `given`; throws a TypeError naming `where` and the option for a bad value. */
export function resolveLimits(given: Partial<ReceiveLimits> | undefined, where: string): ReceiveLimits {
  if (given === undefined) return { ...DEFAULT_LIMITS };
  if (typeof given !== "object" || given === null) {
    throw new TypeError(`${where}: limits must be an object ({ maxEnvelopeBytes, maxItems, ... })`);
  }
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(given) as (keyof ReceiveLimits)[]) {
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      throw new TypeError(
        `${where}: unknown limit ${JSON.stringify(key)} (known: ${Object.keys(DEFAULT_LIMITS).join(", ")})`,
      );
    }
    const v = given[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
      throw new TypeError(`${where}: limits.${key} must be a positive integer, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}
