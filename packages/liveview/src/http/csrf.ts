import { randomBytes, timingSafeEqual } from "node:crypto";
import { decodeMac, SALT, type Signer } from "../token.js";

/**
 * The cookie holding a browser's CSRF secret. The page carries a token derived from it (in
 * `<meta name="csrf-token">`), and the websocket connect must present that token: a page on another
 * site can make the browser send the cookie, but cannot read our page to learn the token.
 */
export const CSRF_COOKIE = "_cinder_csrf";

/** A new random CSRF secret, for a browser that has none yet. */
export function newCsrfSecret(): string {
  return randomBytes(24).toString("base64url");
}

/** Whether a cookie value has the shape of a secret we issued (anything else is replaced). */
export function isCsrfSecret(value: string | undefined): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{32}$/.test(value);
}

/**
 * A token for `secret`: a fresh random mask and the MAC of mask and secret. A new mask per page keeps
 * the token different on every response, so compression side channels (BREACH) learn nothing.
 */
export function csrfToken(signer: Signer, secret: string): string {
  const mask = randomBytes(12).toString("base64url");
  return `${mask}.${signer.mac(SALT.csrf, `${mask}.${secret}`).toString("base64url")}`;
}

/** Whether `token` was made by {@link csrfToken} for `secret`. Never throws. */
export function checkCsrfToken(signer: Signer, secret: string | undefined, token: unknown): boolean {
  if (!isCsrfSecret(secret) || typeof token !== "string" || token.length > 200) return false;
  const dot = token.indexOf(".");
  if (dot <= 0) return false;
  const given = decodeMac(token.slice(dot + 1));
  if (given === null) return false;
  return timingSafeEqual(given, signer.mac(SALT.csrf, `${token.slice(0, dot)}.${secret}`));
}
