/**
 * What a session token lets a client join, and where a view can send a browser, tried as an attacker
 * would: a raw `ws` client joining with tokens from other pages, tampered, padded or future tokens, and
 * URLs with control characters; raw TCP for redirects, the Origin check, `trustProxy` and the CSP header.
 */
import { createRuntime } from "@cinder/actors";
import { defineLiveView, html } from "@cinder/liveview";
import { Signer } from "@cinder/liveview/internal";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { counterFormView } from "./fixtures/liveview/views.js";
import {
  fetchPage,
  type Page,
  RawClient,
  rawHttp,
  SECRET,
  type Started,
  startEndpoint,
} from "./helpers/liveview.js";

const AdminView = defineLiveView<{ user: string }>({
  name: "AdminView",
  mount(_params, session, socket) {
    // Authorization belongs here: the token only says which page it was issued for.
    socket.assign({ user: String(session.user ?? "nobody") });
  },
  render: (a) => html`<h1 id="admin">Admin of ${a.user}</h1>`,
});

const UserView = defineLiveView<{ id: string }>({
  name: "UserView",
  mount(params, _session, socket) {
    socket.assign({ id: String(params.id) });
  },
  render: (a) => html`<h1 id="user">User ${a.id}</h1>`,
});

/** Sends the browser wherever it is told (by the query in mount, by the event's value after). */
const GoView = defineLiveView<Record<string, never>>({
  name: "GoView",
  mount(params, _session, socket) {
    if (typeof params.to === "string") socket.redirect(params.to);
  },
  handleEvent(event, value, socket) {
    const to = String(value.to);
    if (event === "redirect") socket.redirect(to);
    if (event === "navigate") socket.pushNavigate(to);
    if (event === "patch") socket.pushPatch(to);
  },
  render: () => html`<p id="go">go</p>`,
});

let s: Started;
let proxied: Started;
/** What the runtime logged: the crashes this file causes on purpose are captured here and asserted. */
const crashes: string[] = [];

beforeAll(async () => {
  const routes = (ep: Parameters<typeof counterFormView>[0]) => ({
    "/": counterFormView(ep),
    "/admin": AdminView,
    "/users/:id": UserView,
    "/people/:id": UserView,
    "/go": GoView,
  });
  [s, proxied] = await Promise.all([
    startEndpoint(routes, { runtime: createRuntime({ logger: (_level, message) => crashes.push(message) }) }),
    startEndpoint(routes, {
      trustProxy: true,
      contentSecurityPolicy: { "img-src": ["'self'", "https://images.example"], "frame-ancestors": null },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([s.endpoint.close(), proxied.endpoint.close()]);
});

const at = (path: string) => `http://127.0.0.1${path}`;

/** Joins the topic of `page` with `session` (any string) at `url` (a first mount). */
function joinWith(c: RawClient, page: Page, ref: string, session: string, url = at("/")) {
  return c.join(page, ref, { session, url });
}

const UNAUTHORIZED = { status: "error", response: { reason: "unauthorized" } };

describe("a session token joins only the view it was issued for", () => {
  test("a token from / is refused on /admin, on a path no view serves, and with no URL", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    expect(await c.join(page, "1", { url: at("/admin") })).toEqual(UNAUTHORIZED);
    expect(await c.join(page, "2", { url: at("/nowhere") })).toEqual(UNAUTHORIZED);
    expect(await c.join(page, "3", { url: undefined })).toEqual(UNAUTHORIZED);
    expect(s.logs.some((l) => l.includes('session token was issued for /, not for "/admin"'))).toBe(true);
    // The same token at its own URL joins.
    expect((await c.join(page, "4", { url: at("/?q=1") })).status).toBe("ok");
    c.close();
  });

  test("a token from /admin is refused on /; one from /users/1 joins another route of the same view", async () => {
    const admin = await fetchPage(s.base, "/admin");
    const c = await RawClient.connect(s.base, admin);
    expect(await c.join(admin, "1", { url: at("/") })).toEqual(UNAUTHORIZED);
    expect((await c.join(admin, "2", { url: at("/admin") })).status).toBe("ok");
    c.close();

    // A reconnect after pushPatch rejoins with the patched URL: the view is the same, so it is allowed.
    const user = await fetchPage(s.base, "/users/1");
    const d = await RawClient.connect(s.base, user);
    const joined = await d.join(user, "1", { url: at("/people/2") });
    expect(joined.status).toBe("ok");
    expect(joined.response.rendered.s.join("")).toContain('id="user"');
    d.close();
  });

  test("live navigation (join with redirect) reaches any live route of the token's group, and nothing else", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    const nav = await c.join(page, "1", { url: undefined, redirect: at("/admin") });
    expect(nav.status).toBe("ok");
    expect(nav.response.rendered.s.join("")).toContain('id="admin"');
    // Not a live route here: unauthorized (the client then loads the URL in full), never {redirect}.
    expect(await c.join(page, "2", { url: undefined, redirect: at("/old") })).toEqual(UNAUTHORIZED);
    expect(await c.join(page, "3", { url: undefined, redirect: 42 })).toEqual(UNAUTHORIZED);
    c.close();
  });

  test("a token for another topic, a token of another endpoint's secret, a token of an older shape: unauthorized", async () => {
    const [a, b] = [await fetchPage(s.base, "/"), await fetchPage(s.base, "/")];
    const c = await RawClient.connect(s.base, a);
    expect(await joinWith(c, a, "1", b.session)).toEqual(UNAUTHORIZED);
    const other = new Signer(`${SECRET}-another-endpoint`);
    expect(
      await joinWith(c, a, "2", other.sign("session", { id: a.id, v: "/", r: "/", g: "default", s: {} })),
    ).toEqual(UNAUTHORIZED);
    // Signed with the right secret but without the view and group it is bound to (a token from before).
    const ours = new Signer(SECRET);
    expect(await joinWith(c, a, "3", ours.sign("session", { id: a.id, s: {} }))).toEqual(UNAUTHORIZED);
    // The control: a well-formed token made now with the right secret joins, so the refusals above are
    // the binding's doing, not a broken signer.
    const forged = ours.sign("session", { id: a.id, v: "/", r: "/", g: "default", s: {} });
    expect((await joinWith(c, a, "4", forged)).status).toBe("ok");
    c.close();
  });
});

describe("strict token decoding", () => {
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  test("trailing garbage, padding, a non-canonical MAC spelling or a tampered body: unauthorized", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    const [body, mac] = page.session.split(".");
    // The same 32 MAC bytes spelled differently: the last character's two unused bits set.
    const last = B64.indexOf(mac.at(-1)!);
    const nonCanonical = `${mac.slice(0, -1)}${B64[last + 1]}`;
    expect(Buffer.from(nonCanonical, "base64url").equals(Buffer.from(mac, "base64url"))).toBe(true);
    const flipped = body.slice(0, 10) + (body[10] === "A" ? "B" : "A") + body.slice(11);
    const variants = [
      `${page.session}=`,
      `${page.session}==`,
      `${page.session}AAAA`,
      `${page.session}!`,
      `${page.session} `,
      `${page.session}.x`,
      `${body}.${nonCanonical}`,
      `${body}.${mac.slice(0, -1)}`,
      `${body}=.${mac}`,
      `${flipped}.${mac}`,
      ` ${page.session}`,
    ];
    let ref = 1;
    for (const v of variants) expect(await joinWith(c, page, String(ref++), v), v).toEqual(UNAUTHORIZED);
    expect((await joinWith(c, page, String(ref++), page.session)).status).toBe("ok");
    c.close();
  });

  test("a token issued more than a minute in the future is unauthorized; an old one is stale", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    const data = { id: page.id, v: "/", r: "/", g: "default", s: {} };
    const future = new Signer(SECRET, () => Date.now() + 120_000).sign("session", data);
    expect(await joinWith(c, page, "1", future)).toEqual(UNAUTHORIZED);
    // Within the allowed clock skew between nodes: accepted.
    const skewed = new Signer(SECRET, () => Date.now() + 20_000).sign("session", data);
    expect((await joinWith(c, page, "2", skewed)).status).toBe("ok");
    const old = new Signer(SECRET, () => Date.now() - 15 * 24 * 3600 * 1000).sign("session", data);
    expect(await joinWith(c, page, "3", old)).toEqual({ status: "error", response: { reason: "stale" } });
    c.close();
  });

  test("pages carry no data-phx-static: nothing unsigned or unverified travels with the join", async () => {
    const page = await fetchPage(s.base, "/");
    expect(page.html).not.toContain("data-phx-static");
  });
});

describe("redirect targets with control characters or backslashes never leave the site", () => {
  test("join URLs with tab, CR, LF, NUL, DEL or a backslash are unauthorized", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    let ref = 1;
    for (const bad of ["/\t", "/\r", "/\n", "/\u0000", "/\u007f", "/\\"]) {
      const url = at(`${bad}/evil.example/`);
      expect(await c.join(page, String(ref++), { url }), JSON.stringify(url)).toEqual(UNAUTHORIZED);
      expect(await c.join(page, String(ref++), { url: undefined, redirect: url })).toEqual(UNAUTHORIZED);
    }
    c.close();
  });

  test("a view told to redirect, navigate or patch to /\\t/evil.example/ crashes instead (no reply points there)", async () => {
    const page = await fetchPage(s.base, "/go");
    const c = await RawClient.connect(s.base, page);
    const topic = `lv:${page.id}`;
    let ref = 1;
    for (const event of ["redirect", "navigate", "patch"]) {
      for (const to of ["/\t/evil.example/", "/\\evil.example", "/\r\nSet-Cookie: x=1", "//evil.example"]) {
        const joinRef = String(ref++);
        expect((await c.join(page, joinRef, { url: at("/go") })).status).toBe("ok");
        c.send([joinRef, String(ref++), topic, "event", { type: "click", event, value: { to } }]);
        const [, , , kind, payload] = await c.next((f) => f[2] === topic && f[3] !== "phx_reply");
        expect(kind).toBe("phx_error");
        expect(payload).toEqual({ reason: "channel_crash" });
      }
    }
    expect(JSON.stringify(c.frames)).not.toContain("evil.example");
    const refused = crashes.filter((l) => l.includes("expected a local path starting with"));
    expect(refused.length).toBeGreaterThanOrEqual(12);
    // A safe target still works.
    const joinRef = String(ref++);
    await c.join(page, joinRef, { url: at("/go") });
    const reply = await c.push(joinRef, String(ref++), topic, "event", {
      type: "click",
      event: "redirect",
      value: { to: "/admin" },
    });
    expect(reply).toEqual({ status: "ok", response: { redirect: { to: "/admin" } } });
    c.close();
  });

  test("live_patch with a control character is not a patch (the client navigates, and that join is refused)", async () => {
    const page = await fetchPage(s.base, "/go");
    const c = await RawClient.connect(s.base, page);
    await c.join(page, "1", { url: at("/go") });
    expect(await c.push("1", "2", `lv:${page.id}`, "live_patch", { url: at("/go?\tx") })).toEqual({
      status: "ok",
      response: { link_redirect: true },
    });
    c.close();
  });

  test("over raw TCP: a dead render told to go to %09/evil.example/ sends no Location off-site", async () => {
    for (const to of [
      "%09/evil.example/",
      "/%09/evil.example/",
      "/%5Cevil.example",
      "%2F%2Fevil.example",
      "/%0D%0Aevil",
    ]) {
      const res = await rawHttp(
        s.port,
        `GET /go?to=${to} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status, to).toBe(500);
      expect(res.head.toLowerCase()).not.toContain("location:");
    }
    const ok = await rawHttp(s.port, `GET /go?to=/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(ok.status).toBe(302);
    expect(ok.head).toMatch(/\r\nlocation: \/admin(\r\n|$)/i);
  });
});

describe("Origin (scheme, host and port) and trustProxy, over raw TCP", () => {
  async function handshake(started: Started, headers: Record<string, string>) {
    const page = await fetchPage(started.base, "/");
    const q = new URLSearchParams({ _csrf_token: page.csrf, vsn: "2.0.0" });
    const lines = [
      `GET /live/websocket?${q} HTTP/1.1`,
      `Host: 127.0.0.1:${started.port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      `Cookie: ${page.cookie}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    return (await rawHttp(started.port, `${lines.join("\r\n")}\r\n\r\n`)).status;
  }

  test("the page's own origin passes; another scheme or port is refused; X-Forwarded-Proto only counts with trustProxy", async () => {
    const own = `http://127.0.0.1:${s.port}`;
    expect(await handshake(s, { Origin: own })).toBe(101);
    expect(await handshake(s, { Origin: `https://127.0.0.1:${s.port}` })).toBe(403);
    expect(await handshake(s, { Origin: `http://127.0.0.1:${s.port + 1}` })).toBe(403);
    // Without trustProxy the header is anyone's to send: it changes nothing.
    expect(await handshake(s, { Origin: `https://127.0.0.1:${s.port}`, "X-Forwarded-Proto": "https" })).toBe(
      403,
    );
    expect(await handshake(s, { Origin: own, "X-Forwarded-Proto": "https" })).toBe(101);
    // With trustProxy the proxy's word decides the scheme.
    const https = `https://127.0.0.1:${proxied.port}`;
    expect(await handshake(proxied, { Origin: https, "X-Forwarded-Proto": "https" })).toBe(101);
    expect(
      await handshake(proxied, { Origin: `http://127.0.0.1:${proxied.port}`, "X-Forwarded-Proto": "https" }),
    ).toBe(403);
    expect(await handshake(proxied, { Origin: https })).toBe(403);
  });

  test("Secure cookies follow X-Forwarded-Proto only with trustProxy", async () => {
    const get = (port: number) =>
      rawHttp(
        port,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n`,
      );
    expect((await get(s.port)).head).not.toMatch(/set-cookie: _cinder_csrf=[^\r]*Secure/i);
    expect((await get(proxied.port)).head).toMatch(/set-cookie: _cinder_csrf=[^\r]*Secure/i);
  });
});

describe("Content-Security-Policy", () => {
  test("pages send the default policy; an endpoint option changes it", async () => {
    const head = (port: number) =>
      rawHttp(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`).then((r) => r.head);
    const csp = /\r\ncontent-security-policy: ([^\r]*)/i.exec(await head(s.port))?.[1];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    const custom = /\r\ncontent-security-policy: ([^\r]*)/i.exec(await head(proxied.port))?.[1];
    expect(custom).toContain("img-src 'self' https://images.example");
    expect(custom).toContain("script-src 'self';");
    expect(custom).not.toContain("frame-ancestors");
  });
});
