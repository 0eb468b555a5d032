import type { IncomingMessage } from "node:http";
import { describe, expect, test } from "vitest";
import { parseCookies, serializeCookie } from "../src/http/cookies.js";
import { cspHeader, DEFAULT_CSP } from "../src/http/csp.js";
import { checkCsrfToken, csrfToken, newCsrfSecret } from "../src/http/csrf.js";
import { compileCheckOrigin, originAllowed } from "../src/http/origin.js";
import { Signer } from "../src/token.js";

const signer = new Signer("0123456789abcdef0123456789abcdef-secret");

describe("CSRF tokens", () => {
  test("a token checks against the secret it was made for, and only that one", () => {
    const secret = newCsrfSecret();
    const token = csrfToken(signer, secret);
    expect(checkCsrfToken(signer, secret, token)).toBe(true);
    expect(checkCsrfToken(signer, newCsrfSecret(), token)).toBe(false);
    expect(checkCsrfToken(new Signer("another-secret-another-secret-another"), secret, token)).toBe(false);
  });

  test("every page gets a different token for the same secret (masking)", () => {
    const secret = newCsrfSecret();
    const a = csrfToken(signer, secret);
    const b = csrfToken(signer, secret);
    expect(a).not.toBe(b);
    expect(checkCsrfToken(signer, secret, b)).toBe(true);
  });

  test("garbage never passes and never throws", () => {
    const secret = newCsrfSecret();
    for (const bad of [undefined, null, 1, "", ".", "abc", "a.b", "x".repeat(500), {}]) {
      expect(checkCsrfToken(signer, secret, bad)).toBe(false);
    }
    expect(checkCsrfToken(signer, undefined, csrfToken(signer, secret))).toBe(false);
    expect(checkCsrfToken(signer, "not-a-secret", csrfToken(signer, "not-a-secret"))).toBe(false);
  });
});

describe("Origin check", () => {
  const req = (origin: string | undefined, host = "app.example:4000") =>
    ({ headers: { origin, host } }) as unknown as IncomingMessage;

  test("default: same scheme, host and port only; no Origin header (not a browser) passes", () => {
    expect(originAllowed(true, req("http://app.example:4000"))).toBe(true);
    expect(originAllowed(true, req("http://APP.example:4000"))).toBe(true);
    // The scheme counts: an https page is not this http endpoint's, unless the request came over https.
    expect(originAllowed(true, req("https://app.example:4000"))).toBe(false);
    expect(originAllowed(true, req("https://app.example:4000"), true)).toBe(true);
    expect(originAllowed(true, req("http://app.example:4000"), true)).toBe(false);
    // Default ports may be written or left out, on either side.
    expect(originAllowed(true, req("https://app.example"), true)).toBe(false);
    expect(originAllowed(true, req("https://app.example", "app.example:443"), true)).toBe(true);
    expect(originAllowed(true, req("http://app.example:80", "app.example"))).toBe(true);
    expect(originAllowed(true, req("http://app.example:4000/path"))).toBe(false);
    expect(originAllowed(true, req("http://evil.example"))).toBe(false);
    expect(originAllowed(true, req("http://app.example:4001"))).toBe(false);
    expect(originAllowed(true, req("null"))).toBe(false);
    expect(originAllowed(true, req(undefined))).toBe(true);
  });

  test("a list of origins, with subdomain wildcards; a function; false", () => {
    const list = ["https://example.com", "https://*.example.org"];
    expect(originAllowed(list, req("https://example.com"))).toBe(true);
    expect(originAllowed(list, req("http://example.com"))).toBe(false);
    expect(originAllowed(list, req("https://a.b.example.org"))).toBe(true);
    expect(originAllowed(list, req("https://example.org.evil.com"))).toBe(false);
    expect(originAllowed((o) => o.endsWith(".test"), req("http://x.test"))).toBe(true);
    expect(originAllowed(false, req("http://evil.example"))).toBe(true);
  });

  test("list entries compare scheme, host and port; wildcards work with ports", () => {
    const list = ["https://*.example.org:8443", "http://localhost:4000", "https://example.com:443"];
    expect(originAllowed(list, req("https://a.example.org:8443"))).toBe(true);
    expect(originAllowed(list, req("https://a.example.org"))).toBe(false);
    expect(originAllowed(list, req("https://a.example.org:9443"))).toBe(false);
    expect(originAllowed(list, req("https://example.org:8443"))).toBe(false);
    expect(originAllowed(list, req("https://evilexample.org:8443"))).toBe(false);
    expect(originAllowed(list, req("http://localhost:4000"))).toBe(true);
    expect(originAllowed(list, req("http://localhost:4001"))).toBe(false);
    expect(originAllowed(list, req("http://localhost"))).toBe(false);
    expect(originAllowed(list, req("https://example.com"))).toBe(true);
    expect(originAllowed(["https://*.example.org"], req("https://a.example.org:443"))).toBe(true);
    expect(originAllowed(["https://*.example.org"], req("https://a.example.org:8443"))).toBe(false);
  });

  test("a list entry that is not an origin fails at start-up, naming it", () => {
    for (const bad of [
      "example.com",
      "https://example.com/app",
      "https://",
      "https://u:p@example.com",
      "*",
    ]) {
      expect(() => compileCheckOrigin([bad])).toThrow(/checkOrigin: .* is not an origin/);
    }
  });
});

describe("cookies", () => {
  test("parse and serialize", () => {
    expect(parseCookies('a=1; b="two"; c=%20x; a=ignored')).toEqual(
      new Map([
        ["a", "1"],
        ["b", "two"],
        ["c", " x"],
      ]),
    );
    expect(
      serializeCookie("k", "v v", { httpOnly: true, sameSite: "Lax", maxAgeSeconds: 60, secure: true }),
    ).toBe("k=v%20v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  });
});

describe("Content-Security-Policy option", () => {
  test("the default, directives merged over it, a whole string, false; malformed input fails naming the option", () => {
    const def = cspHeader(undefined)!;
    expect(def).toBe(
      Object.entries(DEFAULT_CSP)
        .map(([k, v]) => `${k} ${v.join(" ")}`)
        .join("; "),
    );
    expect(def).toContain("script-src 'self';");
    const merged = cspHeader({ "connect-src": ["'self'", "wss://live.example"], "object-src": null })!;
    expect(merged).toContain("connect-src 'self' wss://live.example");
    expect(merged).not.toContain("object-src");
    expect(merged).toContain("default-src 'self'");
    expect(cspHeader("default-src 'none'")).toBe("default-src 'none'");
    expect(cspHeader(false)).toBeNull();
    for (const bad of [
      { "script-src": ["'self'; img-src *"] },
      { "Bad Name": [] },
      { "script-src": "x" },
      "a\r\nb",
      3,
    ])
      expect(() => cspHeader(bad as never)).toThrow(/contentSecurityPolicy/);
  });
});
