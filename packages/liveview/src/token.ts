import { createHmac, timingSafeEqual } from "node:crypto";

/** The salts that bind each kind of signed token to its one use. */
export const SALT = {
  session: "session",
  flash: "flash",
  csrf: "csrf",
} as const;

/**
 * Why a token was refused: `invalid` (bad shape, forged signature, or issued in the future; the join
 * answers `unauthorized`) or `expired` (older than its max age; the join answers `stale`).
 */
export type TokenError = "invalid" | "expired";

/** The result of {@link Signer.verify}. */
export type Verified<T> = { ok: true; data: T; issuedAt: number } | { ok: false; error: TokenError };

/**
 * How far in the future a token's issue time may lie (clock skew between nodes) before it is refused: a
 * token "issued" later than that was not made by a node with a sane clock, and would outlive its max age.
 */
export const MAX_CLOCK_SKEW_MS = 60_000;

// The unpadded base64url of a 32-byte MAC: 43 characters, the last one carrying 4 bits (so only
// A, E, I, ..., w are possible there). Node's decoder would accept more spellings (padding, stray
// characters, other last characters) of the same bytes; a token has exactly one.
const MAC_B64 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const BODY_B64 = /^[A-Za-z0-9_-]+$/;

/**
 * The MAC a token spells, or null unless it is spelled the one way {@link Signer.sign} spells it
 * (canonical unpadded base64url of 32 bytes, nothing before or after).
 */
export function decodeMac(s: string): Buffer | null {
  return MAC_B64.test(s) ? Buffer.from(s, "base64url") : null;
}

/** The bytes of a canonical unpadded base64url string, or null for any other spelling. */
function decodeBody(s: string): Buffer | null {
  if (!BODY_B64.test(s) || s.length % 4 === 1) return null;
  const bytes = Buffer.from(s, "base64url");
  // Re-encoding catches a last character with bits set that the decoder silently drops.
  return bytes.toString("base64url") === s ? bytes : null;
}

/**
 * HMAC-SHA256 signed, URL-safe tokens: `base64url(JSON {d: data, t: issuedAtMs}).base64url(mac)`.
 * They are signed, not encrypted: the client can read what is inside, so put only what a user may see
 * (ids, not secrets). Every token is bound to a purpose (the "salt"), so a token made for one use (a
 * flash message) is worthless for another (a session).
 */
export class Signer {
  readonly #keys = new Map<string, Buffer>();
  readonly #secret: string;
  readonly #now: () => number;

  /** `secret` must be at least 32 characters; `now` (ms) can be injected for tests of expiry. */
  constructor(secret: string, now: () => number = Date.now) {
    if (typeof secret !== "string" || secret.length < 32) {
      throw new TypeError("secret must be a string of at least 32 characters (e.g. 64 random bytes, base64)");
    }
    this.#secret = secret;
    this.#now = now;
  }

  /** Signs `data` (anything JSON can carry) for `salt`. */
  sign(salt: string, data: unknown): string {
    const body = Buffer.from(JSON.stringify({ d: data, t: this.#now() })).toString("base64url");
    return `${body}.${this.#mac(salt, body).toString("base64url")}`;
  }

  /**
   * Checks a token made by {@link sign} with the same secret and salt, spelled exactly as `sign` spells
   * it, issued no more than {@link MAX_CLOCK_SKEW_MS} in the future and no older than `maxAgeMs`.
   * Never throws, whatever the input.
   */
  verify<T = unknown>(salt: string, token: unknown, maxAgeMs: number): Verified<T> {
    if (typeof token !== "string" || token.length > 65536) return { ok: false, error: "invalid" };
    const dot = token.indexOf(".");
    if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, error: "invalid" };
    const body = token.slice(0, dot);
    const given = decodeMac(token.slice(dot + 1));
    const expected = this.#mac(salt, body);
    // Constant time, so the MAC cannot be guessed byte by byte from response times.
    if (given === null || !timingSafeEqual(given, expected)) return { ok: false, error: "invalid" };
    const bytes = decodeBody(body);
    if (bytes === null) return { ok: false, error: "invalid" };
    let parsed: { d: T; t: number };
    try {
      parsed = JSON.parse(bytes.toString("utf8"));
    } catch {
      return { ok: false, error: "invalid" };
    }
    if (typeof parsed !== "object" || parsed === null || !Number.isFinite(parsed.t)) {
      return { ok: false, error: "invalid" };
    }
    const age = this.#now() - parsed.t;
    if (age < -MAX_CLOCK_SKEW_MS) return { ok: false, error: "invalid" };
    if (age > maxAgeMs) return { ok: false, error: "expired" };
    return { ok: true, data: parsed.d, issuedAt: parsed.t };
  }

  /** A keyed MAC of `value` with its own key (derived once per salt), for cookie-bound CSRF tokens. */
  mac(salt: string, value: string): Buffer {
    return this.#mac(salt, value);
  }

  #mac(salt: string, body: string): Buffer {
    let key = this.#keys.get(salt);
    if (key === undefined) {
      // One derived key per purpose, so no two purposes ever share a MAC key.
      key = createHmac("sha256", this.#secret).update(`cinder/${salt}`).digest();
      this.#keys.set(salt, key);
    }
    return createHmac("sha256", key).update(body).digest();
  }
}
