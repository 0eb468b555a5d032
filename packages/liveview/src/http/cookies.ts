/** The cookies of a `Cookie` request header, by name (the first of a repeated name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (typeof header !== "string" || header === "") return cookies;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === "" || cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}

/** Options of a `Set-Cookie` header. */
export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "Lax" | "Strict" | "None";
}

/** A `Set-Cookie` header value for `name=value` on path `/`. */
export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  let out = `${name}=${encodeURIComponent(value)}; Path=/`;
  if (opts.maxAgeSeconds !== undefined) out += `; Max-Age=${Math.floor(opts.maxAgeSeconds)}`;
  if (opts.httpOnly === true) out += "; HttpOnly";
  if (opts.secure === true) out += "; Secure";
  if (opts.sameSite !== undefined) out += `; SameSite=${opts.sameSite}`;
  return out;
}
