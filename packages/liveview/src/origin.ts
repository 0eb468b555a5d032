import type { IncomingMessage } from "node:http";

/**
 * Which `Origin`s may open the websocket:
 * - `true` (default): only the page's own origin, i.e. the origin's host equals the request's `Host`;
 * - a list: exactly these origins (`"https://example.com"`), or any subdomain with `"https://*.example.com"`;
 * - a function deciding per request;
 * - `false`: any origin (only behind something else that checks).
 *
 * A request without an `Origin` header is not from a browser (browsers always send it on websocket
 * handshakes), so the origin check lets it through; the CSRF token still applies.
 */
export type CheckOrigin = boolean | readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

/** Whether the websocket handshake `req` passes `check`. */
export function originAllowed(check: CheckOrigin, req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (check === false || origin === undefined) return true;
  if (typeof check === "function") return check(origin, req) === true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (check === true) {
    const host = req.headers.host;
    return typeof host === "string" && url.host.toLowerCase() === host.toLowerCase();
  }
  return check.some((allowed) => originMatches(allowed, url));
}

function originMatches(allowed: string, url: URL): boolean {
  const wildcard = allowed.indexOf("://*.");
  if (wildcard < 0) return allowed.replace(/\/$/, "").toLowerCase() === url.origin.toLowerCase();
  const scheme = allowed.slice(0, wildcard + 1);
  const suffix = allowed.slice(wildcard + 4).toLowerCase();
  return url.protocol === scheme && url.host.toLowerCase().endsWith(suffix);
}
