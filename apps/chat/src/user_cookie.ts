import { createHmac, timingSafeEqual } from "node:crypto";

/** The login cookie's name. */
export const USER_COOKIE = "chat_user";

/** A display name: 1-24 letters, digits, spaces, `-` or `_`, not only spaces. */
export function checkName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const name = value.trim();
  return /^[\p{L}\p{N} _-]{1,24}$/u.test(name) ? name : null;
}

/** The cookie value for `name`: the name and its HMAC, so a browser cannot make up another user. */
export function signUser(secret: string, name: string): string {
  const encoded = Buffer.from(name).toString("base64url");
  return `${encoded}.${mac(secret, encoded)}`;
}

/** The user a cookie header names, if its signature holds. */
export function userFromCookie(secret: string, header: string | undefined): string | null {
  const raw = new RegExp(`(?:^|;\\s*)${USER_COOKIE}=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)`).exec(
    header ?? "",
  )?.[1];
  if (raw === undefined) return null;
  const [encoded, sig] = raw.split(".");
  const expected = Buffer.from(mac(secret, encoded));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return checkName(Buffer.from(encoded, "base64url").toString("utf8"));
}

function mac(secret: string, data: string): string {
  return createHmac("sha256", secret).update(`chat-user:${data}`).digest("base64url");
}
