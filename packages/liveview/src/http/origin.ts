import type { IncomingMessage } from "node:http";

/**
 * Which `Origin`s may open the websocket. Origins are compared by scheme, host and port (a default port
 * may be written or left out):
 * - `true` (default): only the page's own origin: the request's scheme (`https` when the connection is
 *   TLS, or, with the endpoint's `trustProxy`, when `X-Forwarded-Proto` says so), its `Host`, and its port;
 * - a list: exactly these origins (`"https://example.com"`, `"http://localhost:4000"`), or any subdomain
 *   with `"https://*.example.com"` (on port 443; write `"https://*.example.com:8443"` for another port);
 * - a function deciding per request;
 * - `false`: any origin (only behind something else that checks).
 *
 * A request without an `Origin` header is not from a browser (browsers always send it on websocket
 * handshakes), so the origin check lets it through; the CSRF token still applies.
 */
export type CheckOrigin = boolean | readonly string[] | ((origin: string, req: IncomingMessage) => boolean);

/** One entry of a `checkOrigin` list, parsed once. */
interface AllowedOrigin {
  readonly protocol: string;
  /** The host name, or for a wildcard entry the suffix after `*` (starting with "."). */
  readonly hostname: string;
  readonly wildcard: boolean;
  /** The port, "" for the scheme's default (as `URL.port`). */
  readonly port: string;
}

/** A `checkOrigin` with its list parsed (see {@link compileCheckOrigin}). */
export type CompiledCheckOrigin =
  | boolean
  | ((origin: string, req: IncomingMessage) => boolean)
  | { readonly allowed: readonly AllowedOrigin[] };

/**
 * Parses a `checkOrigin` once. Throws a TypeError naming the bad entry when a list entry is not an origin
 * (`scheme://host[:port]`, nothing after it), so that a typo fails at start-up rather than refusing every
 * browser.
 */
export function compileCheckOrigin(check: CheckOrigin): CompiledCheckOrigin {
  if (typeof check === "boolean" || typeof check === "function") return check;
  if (!Array.isArray(check))
    throw new TypeError("checkOrigin: expected true, false, a list of origins or a function");
  return { allowed: check.map(parseAllowed) };
}

function parseAllowed(entry: unknown): AllowedOrigin {
  const bad = (why: string) =>
    new TypeError(
      `checkOrigin: ${JSON.stringify(entry)} is not an origin (${why}), e.g. "https://example.com"`,
    );
  if (typeof entry !== "string") throw bad("not a string");
  const m = /^([a-z][a-z0-9+.-]*:)\/\/(\*\.)?([^/?#]+?)\/?$/i.exec(entry);
  if (m === null) throw bad("expected scheme://host[:port]");
  const [, scheme, star, rest] = m;
  let url: URL;
  try {
    url = new URL(`${scheme}//${rest}`);
  } catch {
    throw bad("unparsable host");
  }
  if (url.username !== "" || url.password !== "" || url.pathname !== "/")
    throw bad("only scheme, host and port");
  const wildcard = star !== undefined;
  return {
    protocol: url.protocol,
    hostname: wildcard ? `.${url.hostname}` : url.hostname,
    wildcard,
    port: url.port,
  };
}

/**
 * Whether the websocket handshake `req` passes `check` (a {@link CheckOrigin} or its compiled form). `secure`
 * says whether the request reached us over https (the endpoint decides, `trustProxy` included).
 */
export function originAllowed(
  check: CheckOrigin | CompiledCheckOrigin,
  req: IncomingMessage,
  secure = false,
): boolean {
  const compiled = Array.isArray(check) ? compileCheckOrigin(check) : (check as CompiledCheckOrigin);
  const origin = req.headers.origin;
  if (compiled === false || origin === undefined) return true;
  if (typeof compiled === "function") return compiled(origin, req) === true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // A browser's Origin is exactly scheme://host[:port]; anything else is not one.
  if (url.pathname !== "/" || url.username !== "" || url.password !== "" || url.search !== "") return false;
  if (compiled === true) {
    const host = req.headers.host;
    if (typeof host !== "string") return false;
    let own: URL;
    try {
      own = new URL(`${secure ? "https" : "http"}://${host}`);
    } catch {
      return false;
    }
    return url.origin === own.origin;
  }
  return compiled.allowed.some((allowed) => originMatches(allowed, url));
}

function originMatches(allowed: AllowedOrigin, url: URL): boolean {
  if (url.protocol !== allowed.protocol || url.port !== allowed.port) return false;
  // A wildcard needs at least one label before the suffix: "*.example.com" is not "example.com".
  if (allowed.wildcard)
    return url.hostname.endsWith(allowed.hostname) && url.hostname.length > allowed.hostname.length;
  return url.hostname === allowed.hostname;
}
