// Characters a browser's URL parser drops or rewrites before it reads a URL: ASCII control characters
// (tab, CR and LF are removed anywhere in a URL, the others trimmed at its ends) and DEL; and the
// backslash, which it reads as "/" in http(s) URLs. Any of them can turn what looks like a path into
// another site: "/\tevil.example/" and "/\\evil.example" both become "//evil.example", which is
// protocol-relative.
/** Whether `url` holds a character that browsers drop or reinterpret in URLs (see {@link localPath}). */
export function hasUnsafeUrlChars(url: string): boolean {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c /* \ */) return true;
  }
  return false;
}

/** Whether `to` is a path on this site: starts with one `/`, and no browser could read it as another site. */
export function isLocalPath(to: unknown): to is string {
  return typeof to === "string" && to.startsWith("/") && !to.startsWith("//") && !hasUnsafeUrlChars(to);
}

/**
 * Only same-site paths are accepted as navigation targets (`pushPatch`, `pushNavigate`, `redirect`), so
 * a `to` built from user input can never send the browser to another site (an open redirect):
 * `//evil.example` is protocol-relative, and control characters and backslashes are refused anywhere,
 * since browsers drop or rewrite them (`/%09/evil.example/` decoded is `/\t/evil.example/`, which a browser
 * follows to `//evil.example/`). Returns `to`; throws a TypeError naming `fn` otherwise.
 */
export function localPath(to: string, fn: string): string {
  if (!isLocalPath(to)) {
    throw new TypeError(
      `${fn}: expected a local path starting with "/" (no "//", backslashes or control characters), got ${JSON.stringify(to)}`,
    );
  }
  return to;
}
