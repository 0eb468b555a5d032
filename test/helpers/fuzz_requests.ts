/**
 * HTTP requests the endpoint fuzz test sends over raw TCP: odd methods, paths, query strings and headers.
 */
import fc from "fast-check";

const tchar = fc.constantFrom(..."!#$%&'*+-.^_`|~abcXYZ019".split(""));
export const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("GET", "HEAD") },
  fc.constantFrom(
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "PATCH",
    "TRACE",
    "CONNECT",
    "get",
    "PRI",
  ),
  fc.string({ unit: tchar, minLength: 1, maxLength: 12 }),
  fc.string({ maxLength: 8 }),
);
export const pathPart = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("/", "/fragile", "/live/assets/phoenix.min.js") },
  fc.constantFrom(
    "/",
    "//",
    "/live",
    "/live/",
    "/live/assets/phoenix.min.js",
    "/live/assets/../../package.json",
    "/live/websocket",
    "/fragile",
    "/fragile/",
    "/../../etc/passwd",
    "/%00",
    "/%ZZ",
    "/%E0%A4%A",
    "/\u00e9t\u00e9",
    "*",
    "http://evil.example/",
    "",
  ),
  fc.webPath(),
  fc.string({ maxLength: 40 }).map((s) => `/${s}`),
);
export const query = fc.oneof(
  fc.constant(""),
  fc.webQueryParameters().map((q) => `?${q}`),
  fc.constantFrom(
    "?a[b][c][d][e][f][g][h][i][j][k]=1",
    "?__proto__[polluted]=1&constructor[prototype][x]=1",
    "?a=%E0%A4%A&b=%",
    `?${"a[]=1&".repeat(2000)}`,
    `?${"[".repeat(3000)}=1`,
    "?&&&==&=",
  ),
  fc.string({ maxLength: 60 }).map((s) => `?${s}`),
);
export const header = fc.oneof(
  fc.constantFrom(
    "Host: evil.example",
    "Host:",
    "Cookie: _cinder_csrf=; a=b; ;;=;",
    `Cookie: ${"c=1; ".repeat(1500)}`,
    "Cookie: _cinder_csrf=%%%",
    "X-Forwarded-Proto: https",
    'If-None-Match: "x"',
    "Accept: */*",
    "Content-Length: 5",
    "Content-Length: -1",
    "Transfer-Encoding: chunked",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `X-Long: ${"l".repeat(20_000)}`,
    "Bad Header Name: x",
    ": no name",
    "\u00e9: \u00e9",
  ),
  fc
    .tuple(fc.string({ unit: tchar, minLength: 1, maxLength: 10 }), fc.string({ maxLength: 30 }))
    .map(([k, v]) => `${k}: ${v}`),
);
