import type { SessionToken } from "./session_token.js";
import { SALT, type Signer } from "./token.js";

/**
 * Flash messages: set by a view (`putFlash`), shown by `render` through `assigns.flash`, and carried across
 * a redirect as a short-lived signed token: in a cookie the next page load reads (a full redirect), or in
 * the next view's join (a live navigation).
 */

/** Flash messages by kind (`info`, `error`, ...), available to `render` as `assigns.flash`. */
export type Flash = Readonly<Record<string, string>>;

/** The empty flash, one frozen object shared by every view that has none. */
export const NO_FLASH: Flash = Object.freeze({});

/** The cookie that carries a flash across a full page load (Phoenix's name, so its client clears it too). */
export const FLASH_COOKIE = "__phoenix_flash__";

/** How long a flash token lives: it only has to survive one redirect (Phoenix uses 60 s too). */
export const FLASH_MAX_AGE_MS = 60_000;

/** The token that carries `flash` across a redirect; undefined when there is nothing to carry. */
export function signFlash(signer: Signer, flash: Flash): string | undefined {
  return Object.keys(flash).length > 0 ? signer.sign(SALT.flash, flash) : undefined;
}

/** Verifies a flash token from a join (`flash`) or a cookie; an empty flash when absent or invalid. */
export function verifyFlash(signer: Signer, token: unknown): Flash {
  if (typeof token !== "string" || token === "") return NO_FLASH;
  const v = signer.verify<Record<string, unknown>>(SALT.flash, token, FLASH_MAX_AGE_MS);
  if (!v.ok || typeof v.data !== "object" || v.data === null) return NO_FLASH;
  const flash: Record<string, string> = {};
  for (const [k, m] of Object.entries(v.data)) if (typeof m === "string" && k !== "__proto__") flash[k] = m;
  return flash;
}

/**
 * The flash for a mount, as Phoenix picks it: a live navigation's signed `flash` first; else, on the
 * first mount after the page load, the flash the dead render showed (it came in the session token);
 * else none, so that a rejoin after a crash, or a live navigation without a flash, does not show an
 * old message again.
 */
export function joinFlash(
  signer: Signer,
  payload: Record<string, unknown>,
  data: SessionToken,
  navigating: boolean,
): Flash {
  if (typeof payload.flash === "string") return verifyFlash(signer, payload.flash);
  const params = payload.params as Record<string, unknown> | undefined;
  if (!navigating && params?._mounts === 0 && typeof data.f === "object" && data.f !== null)
    return { ...data.f };
  return NO_FLASH;
}
