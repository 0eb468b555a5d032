import { createHmac, type Hmac, timingSafeEqual } from "node:crypto";

/** A secret shared by every node of a cluster: a string (UTF-8) or bytes, at least 16 bytes long. */
export type ClusterKey = string | Uint8Array;

/** `#` and 43 characters of base64url (an HMAC-SHA256), then the envelope. */
const MARK = 0x23;
const MAC_CHARS = 43;
/** Where the envelope starts in a signed message. */
export const SIGNED_OFFSET = 1 + MAC_CHARS;
const MIN_KEY_BYTES = 16;

/**
 * Signs envelopes with HMAC-SHA256 and checks what arrives. The MAC covers the channel too (length first, so
 * no split of channel and body is ambiguous): a signed envelope replayed on another channel does not verify.
 * Several keys rotate without downtime: the first signs, any verifies.
 */
export class ClusterKeys {
  private readonly keys: Buffer[];

  constructor(given: ClusterKey | readonly ClusterKey[], where: string) {
    const list = Array.isArray(given) ? (given as readonly ClusterKey[]) : [given as ClusterKey];
    if (list.length === 0) throw new TypeError(`${where}: clusterKey must hold at least one key`);
    this.keys = list.map((k, i) => {
      const b =
        typeof k === "string" ? Buffer.from(k, "utf8") : k instanceof Uint8Array ? Buffer.from(k) : null;
      const which = list.length > 1 ? `clusterKey[${i}]` : "clusterKey";
      if (b === null) throw new TypeError(`${where}: ${which} must be a string or a Uint8Array`);
      if (b.length < MIN_KEY_BYTES) {
        throw new TypeError(
          `${where}: ${which} is ${b.length} bytes; use at least ${MIN_KEY_BYTES} random ones (openssl rand -base64 32)`,
        );
      }
      return b;
    });
  }

  /** The text to PUBLISH on `channel` for the envelope `body`. */
  sign(channel: string, body: string): string {
    return `#${mac(this.keys[0], channel, body).digest("base64url")}${body}`;
  }

  /**
   * Checks a received message: where its envelope starts when one of the keys signed it, or why it is refused.
   * Every key is tried, whatever the first gives, and compared in constant time.
   */
  verify(channel: Buffer, message: Buffer): number | "unsigned" | "badSignature" {
    if (message.length <= SIGNED_OFFSET || message[0] !== MARK) return "unsigned";
    const given = message.subarray(1, SIGNED_OFFSET);
    const body = message.subarray(SIGNED_OFFSET);
    let ok = false;
    for (const key of this.keys) {
      const expected = Buffer.from(mac(key, channel, body).digest("base64url"), "latin1");
      if (timingSafeEqual(expected, given)) ok = true;
    }
    return ok ? SIGNED_OFFSET : "badSignature";
  }
}

/** Where the envelope starts in a message received by a node that has no key: after a signature, if any. */
export function unverifiedOffset(message: Buffer): number {
  return message.length > SIGNED_OFFSET && message[0] === MARK ? SIGNED_OFFSET : 0;
}

function mac(key: Buffer, channel: string | Buffer, body: string | Buffer): Hmac {
  const ch = typeof channel === "string" ? Buffer.from(channel, "utf8") : channel;
  return createHmac("sha256", key).update(`${ch.length}:`).update(ch).update(body);
}
