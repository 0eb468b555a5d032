import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Why a token was refused: `invalid` (bad shape or forged signature; the join answers
 * `unauthorized`) or `expired` (older than its max age; the join answers `stale`).
 */
export type TokenError = "invalid" | "expired";

/** The result of {@link Signer.verify}. */
export type Verified<T> = { ok: true; data: T; issuedAt: number } | { ok: false; error: TokenError };

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
   * Checks a token made by {@link sign} with the same secret and salt, and no older than `maxAgeMs`.
   * Never throws, whatever the input.
   */
  verify<T = unknown>(salt: string, token: unknown, maxAgeMs: number): Verified<T> {
    if (typeof token !== "string" || token.length > 65536) return { ok: false, error: "invalid" };
    const dot = token.indexOf(".");
    if (dot <= 0 || dot !== token.lastIndexOf(".")) return { ok: false, error: "invalid" };
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), "base64url");
    const expected = this.#mac(salt, body);
    // Constant time, so the MAC cannot be guessed byte by byte from response times.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, error: "invalid" };
    }
    let parsed: { d: T; t: number };
    try {
      parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return { ok: false, error: "invalid" };
    }
    if (typeof parsed !== "object" || parsed === null || typeof parsed.t !== "number") {
      return { ok: false, error: "invalid" };
    }
    if (this.#now() - parsed.t > maxAgeMs) return { ok: false, error: "expired" };
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
