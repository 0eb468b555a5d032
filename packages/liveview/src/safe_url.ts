/** Options of {@link safeUrl} and {@link isSafeUrl}. */
export interface SafeUrlOptions {
  /** Schemes allowed besides `http`, `https`, `mailto` and `tel` (lowercase, without ":"). */
  readonly schemes?: readonly string[];
}

/** What {@link safeUrl} returns in place of a refused URL: a link to nowhere on this page. */
export const UNSAFE_URL_REPLACEMENT = "#";

const DEFAULT_SCHEMES: ReadonlySet<string> = new Set(["http", "https", "mailto", "tel"]);

// Character references a browser decodes in an attribute before it reads the URL, as used to hide a
// scheme: numeric ones (`&#106;`, `&#x6A;`, with or without ";") and the named ones that spell the
// characters a scheme needs. Any other "&" before the scheme's end makes the URL refused.
const NUMERIC_REF = /&#(?:x([0-9a-f]+)|(\d+));?/gi;
const NAMED_REFS: Readonly<Record<string, string>> = {
  "&colon;": ":",
  "&tab;": "\t",
  "&newline;": "\n",
  "&sol;": "/",
  "&quest;": "?",
  "&num;": "#",
  "&amp;": "&",
};
const NAMED_REF = /&(?:colon|tab|newline|sol|quest|num|amp);/gi;

/**
 * Whether a browser would follow `url` only to a harmless place: a relative URL (`/path`, `page?x=1`,
 * `#top`), or an absolute one whose scheme is `http`, `https`, `mailto`, `tel` or one of `opts.schemes`.
 * So `javascript:`, `data:` and `vbscript:` (and every other scheme) are refused however they are spelled:
 * any case, with tabs, newlines or control characters inside or before them (browsers drop those), or
 * hidden behind character references (`&#106;avascript:`, `javascript&colon;`), which a browser decodes
 * in an attribute before it reads the URL.
 */
export function isSafeUrl(url: unknown, opts: SafeUrlOptions = {}): boolean {
  if (typeof url !== "string") return false;
  const scheme = schemeOf(url);
  if (scheme === null) return true;
  if (scheme === undefined) return false;
  return DEFAULT_SCHEMES.has(scheme) || (opts.schemes?.includes(scheme) ?? false);
}

/**
 * `url` itself when {@link isSafeUrl}, else {@link UNSAFE_URL_REPLACEMENT}: for `href`/`src` values that
 * come from users, `` html`<a href="${safeUrl(user.website)}">` ``. The template still escapes what it
 * returns; `safeUrl` only decides whether a browser may follow it. It returns rather than throws, so a
 * user's bad link cannot crash the view that shows it.
 */
export function safeUrl(url: string, opts: SafeUrlOptions = {}): string {
  return isSafeUrl(url, opts) ? url : UNSAFE_URL_REPLACEMENT;
}

/**
 * The scheme a browser would read from `url` (lowercase), null for a relative URL, undefined when it
 * cannot be told safely (an undecoded character reference where a scheme could be).
 */
function schemeOf(url: string): string | null | undefined {
  let s = url;
  // Decode references before anything else, as the HTML parser does; twice, since "&amp;#106;" is what
  // a template that escaped a reference would produce, and a raw() insertion would decode it once.
  for (let i = 0; i < 2 && s.includes("&"); i++) {
    s = s.replace(NUMERIC_REF, (_, hex: string | undefined, dec: string | undefined) => {
      const code = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
    });
    s = s.replace(NAMED_REF, (ref) => NAMED_REFS[ref.toLowerCase()] ?? ref);
  }
  // The URL parser trims C0 controls and spaces at both ends and removes tabs and newlines anywhere.
  s = s.replace(/[\t\n\r]/g, "");
  let start = 0;
  while (start < s.length && s.charCodeAt(start) <= 0x20) start++;
  s = s.slice(start);
  const end = s.search(/[/?#\\]/);
  const head = end < 0 ? s : s.slice(0, end);
  const colon = head.indexOf(":");
  if (colon < 0) return head.includes("&") ? undefined : null;
  const scheme = head.slice(0, colon).toLowerCase();
  // Not a valid scheme ("1:x", "a b:c"): browsers read it as a relative path, unless it hides something.
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return hidesSomething(scheme) ? undefined : null;
  return scheme;
}

/** Whether `s` holds a control character, a space or an "&" (what could hide a scheme). */
function hidesSomething(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x26 /* & */) return true;
  }
  return false;
}
