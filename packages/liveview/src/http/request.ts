import type { IncomingMessage } from "node:http";

/** The path of a request URL, without its query. */
export function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
}

/**
 * Whether the browser reached us over https: TLS here, or, with `trustProxy`, at the proxy (per
 * `X-Forwarded-Proto`).
 */
export function isHttps(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  const forwarded = trustProxy ? req.headers["x-forwarded-proto"] : undefined;
  // The first entry is what the outermost proxy saw ("https, http" after two proxies).
  return typeof forwarded === "string" && forwarded.split(",")[0]!.trim().toLowerCase() === "https";
}

/**
 * The URL of a request: its Host header (else `localhost`) and its path and query. Null when the Host is not a
 * host (empty, spaces, a path in it). Built field by field, so that a path such as `//x` stays a path instead
 * of being read as a URL of host `x`, and nothing a client sends makes `new URL` throw.
 */
export function requestUrl(req: IncomingMessage, secure: boolean): URL | null {
  const host = req.headers.host ?? "localhost";
  let url: URL;
  try {
    url = new URL(`${secure ? "https" : "http"}://${host}`);
  } catch {
    return null;
  }
  if (
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  )
    return null;
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  url.pathname = q < 0 ? raw : raw.slice(0, q);
  url.search = q < 0 ? "" : raw.slice(q);
  return url;
}
