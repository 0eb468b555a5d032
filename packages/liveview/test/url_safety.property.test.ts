/**
 * Properties of the two URL guards, checked against Node's WHATWG URL parser (the algorithm browsers
 * implement): a path `localPath` accepts never resolves to another origin, and a URL `isSafeUrl` accepts
 * never resolves to a scheme outside the allowed ones, however the input is spelled.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isLocalPath, localPath } from "../src/local_path.js";
import { isSafeUrl, safeUrl, UNSAFE_URL_REPLACEMENT } from "../src/safe_url.js";

const BASE = "https://app.example/page/";
const ALLOWED = new Set(["http:", "https:", "mailto:", "tel:"]);

// Pieces attackers combine: slashes both ways, the characters browsers drop, hosts, schemes, escapes.
const piece = fc.constantFrom(
  "/",
  "//",
  "\\",
  "\t",
  "\n",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  " ",
  ".",
  "..",
  "evil.example",
  "@",
  ":",
  "%09",
  "%2F",
  "%5C",
  "?",
  "#",
  "javascript:",
  "JaVaScRiPt:",
  "data:",
  "vbscript:",
  "http:",
  "https:",
  "mailto:",
  "&#106;",
  "&#x6A;",
  "&#58;",
  "&colon;",
  "&Tab;",
  "&amp;",
  "alert(1)",
  "a",
);
const crafted = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(""));
const anyString = fc.oneof(
  crafted,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

describe("localPath", () => {
  // Thousands of generated runs: seconds alone, far more on a loaded machine; the run count is the check.
  test("property: an accepted path never leaves the origin, and never holds a control character or backslash", () => {
    fc.assert(
      fc.property(anyString, (to) => {
        if (!isLocalPath(to)) {
          expect(() => localPath(to, "redirect")).toThrow(/redirect: expected a local path/);
          return;
        }
        expect(localPath(to, "redirect")).toBe(to);
        expect(new URL(to, BASE).origin).toBe("https://app.example");
        expect([...to].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f" || c === "\\")).toBe(false);
      }),
      { numRuns: 5000 },
    );
  }, 60_000);

  test("property: a control character or backslash anywhere in a path refuses it", () => {
    const bad = fc.constantFrom(..."\t\n\r\u0000\u0001\u001b\u001f\u007f\\".split(""));
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), bad, fc.string({ maxLength: 20 }), (a, c, b) => {
        expect(isLocalPath(`/${a}${c}${b}`)).toBe(false);
      }),
    );
  });

  test("examples", () => {
    for (const ok of ["/", "/a/b?c=d#e", "/%09/evil.example/", "/users/1"])
      expect(isLocalPath(ok)).toBe(true);
    for (const bad of [
      "",
      "a",
      "//evil.example",
      "/\t/evil.example/",
      "/\\evil.example",
      "\\/evil",
      " /x",
      "/x\n",
    ])
      expect(isLocalPath(bad), JSON.stringify(bad)).toBe(false);
  });
});

/** What an HTML parser hands the URL parser for an attribute value: references decoded. */
function decodeReferences(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);?/gi, (_, h) => String.fromCodePoint(Math.min(Number.parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, d) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;/gi, "\t")
    .replace(/&newline;/gi, "\n")
    .replace(/&amp;/gi, "&");
}

describe("safeUrl", () => {
  test("property: an accepted URL resolves to an allowed scheme, read raw or after reference decoding", () => {
    fc.assert(
      fc.property(anyString, (url) => {
        if (!isSafeUrl(url)) {
          expect(safeUrl(url)).toBe(UNSAFE_URL_REPLACEMENT);
          return;
        }
        expect(safeUrl(url)).toBe(url);
        for (const seen of [url, decodeReferences(url), decodeReferences(decodeReferences(url))]) {
          let parsed: URL;
          try {
            parsed = new URL(seen, BASE);
          } catch {
            continue; // a URL the browser cannot parse goes nowhere
          }
          expect(ALLOWED.has(parsed.protocol), `${JSON.stringify(url)} -> ${parsed.protocol}`).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  test("property: javascript:, data: and vbscript: are refused in any case, with controls inserted, or as references", () => {
    const scheme = fc.constantFrom("javascript", "data", "vbscript");
    const junk = fc.constantFrom("", "\t", "\n", "\r", "\r\n");
    const lead = fc.constantFrom("", " ", "\t", "\u0000", "\u0001 ", "\n  ");
    const disguised = fc
      .tuple(
        scheme,
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.array(junk, { minLength: 10, maxLength: 10 }),
      )
      .map(([name, upper, between]) =>
        [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch) + between[i]).join(""),
      );
    const colon = fc.constantFrom(":", "&#58;", "&#x3a;", "&#X3A", "&colon;", "&amp;#58;");
    const encodeFirst = fc.boolean();
    // What follows the colon starts with no hex digit: "&#x3a" + "a" would be one reference, U+03AA.
    const payload = fc.constantFrom(
      "prompt(1)",
      ",<script>alert(1)</script>",
      "msgbox(1)",
      "//%0aalert(1)",
      "",
    );
    fc.assert(
      fc.property(lead, disguised, colon, encodeFirst, payload, (l, name, c, enc, rest) => {
        const head = enc ? `&#${name.charCodeAt(0)};${name.slice(1)}` : name;
        expect(isSafeUrl(`${l}${head}${c}${rest}`)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  test("examples", () => {
    for (const ok of [
      "https://example.com/x",
      "HTTP://a",
      "/path",
      "page?x=1&y=2",
      "#top",
      "mailto:a@b.c",
      "tel:+1",
    ])
      expect(isSafeUrl(ok), ok).toBe(true);
    for (const bad of [
      "javascript:alert(1)",
      " JAVASCRIPT:alert(1)",
      "java\tscript:alert(1)",
      "&#106;avascript:alert(1)",
      "javascript&colon;alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "ftp://example.com",
    ])
      expect(isSafeUrl(bad), bad).toBe(false);
    expect(isSafeUrl("ftp://example.com", { schemes: ["ftp"] })).toBe(true);
    expect(isSafeUrl(42)).toBe(false);
  });
});
