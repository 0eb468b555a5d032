/** A Content-Security-Policy as directives: `{ "script-src": ["'self'"] }`. */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * The policy pages get by default: what the official client needs and no more. Scripts only from this
 * origin (the bundles and the boot script are files, so no inline script or `eval` is needed, and an
 * injected `<script>` or `onclick=` does not run); the websocket and fetches to this origin (`'self'`
 * covers `ws:`/`wss:` to the same host); no plugins, no `<base>` elsewhere, forms post here, framed only
 * by this origin. Inline styles are allowed: templates use `style="..."` and the client patches those
 * attributes, and styles cannot run code. `data:` images cover the default layout's empty icon, `blob:` images
 * the previews of picked files (`liveImgPreview`), which the browser draws from the file itself.
 */
export const DEFAULT_CSP: CspDirectives = Object.freeze({
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'", "'unsafe-inline'"],
  "img-src": ["'self'", "data:", "blob:"],
  "font-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
  "object-src": ["'none'"],
  "base-uri": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'self'"],
});

/**
 * The endpoint's `contentSecurityPolicy` option: directives merged over {@link DEFAULT_CSP} (each given
 * directive replaces the default's sources; `null` drops the directive), a whole policy as a string, or
 * `false` for no header (when a proxy or your own middleware sets it).
 */
export type ContentSecurityPolicy = false | string | Readonly<Record<string, readonly string[] | null>>;

const DIRECTIVE = /^[a-z][a-z-]*$/;
// A source never holds what would end a directive (";"), a policy (","), or a header line.
const SOURCE = /^[^\s;,]+$/;

/**
 * The `Content-Security-Policy` header value for the option (null: send none). Throws a TypeError naming
 * `contentSecurityPolicy` for a malformed directive or source, so a typo fails at start-up.
 */
export function cspHeader(
  option: ContentSecurityPolicy | undefined,
  /** Sources the endpoint's own options need (the `client` option's CDN origins), added to the object forms. */
  extra: CspDirectives = {},
): string | null {
  if (option === false) return null;
  const bad = (why: string) => new TypeError(`contentSecurityPolicy: ${why}`);
  if (typeof option === "string") {
    if (/[\r\n]/.test(option) || option.trim() === "")
      throw bad("a policy string must be one non-empty line");
    return option.trim();
  }
  if (option !== undefined && (typeof option !== "object" || option === null))
    throw bad("expected false, a policy string or an object of directives");
  const merged: Record<string, readonly string[]> = { ...DEFAULT_CSP };
  for (const [name, sources] of Object.entries(option ?? {})) {
    if (!DIRECTIVE.test(name)) throw bad(`${JSON.stringify(name)} is not a directive name`);
    if (sources === null) {
      delete merged[name];
      continue;
    }
    if (!Array.isArray(sources)) throw bad(`${name}: expected an array of sources or null`);
    for (const src of sources)
      if (typeof src !== "string" || !SOURCE.test(src))
        throw bad(`${name}: ${JSON.stringify(src)} is not a source`);
    merged[name] = sources;
  }
  for (const [name, sources] of Object.entries(extra)) {
    const have = merged[name];
    if (have !== undefined) merged[name] = [...have, ...sources.filter((src) => !have.includes(src))];
  }
  return Object.entries(merged)
    .map(([name, sources]) => (sources.length === 0 ? name : `${name} ${sources.join(" ")}`))
    .join("; ");
}
