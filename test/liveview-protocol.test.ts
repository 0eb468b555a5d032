/**
 * The endpoint over real HTTP and a raw `ws` client sending the channel protocol by hand: the dead
 * render, the handshake checks, every kind of push, and every kind of bad input. After all of it the
 * server still serves.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { counterFormView, FragileView } from "./fixtures/liveview/views.js";
import { fetchPage, RawClient, type Started, startEndpoint } from "./helpers/liveview.js";

let s: Started;

beforeAll(async () => {
  s = await startEndpoint((ep) => ({ "/": counterFormView(ep), "/fragile": FragileView }), {
    maxPayload: 64 * 1024,
  });
});
afterAll(() => s.endpoint.close());

describe("dead render", () => {
  test("serves the page: container attributes, title, CSRF meta tag, the two bundles, the boot script", async () => {
    const page = await fetchPage(s.base, "/");
    expect(page.status).toBe(200);
    expect(page.id).toMatch(/^phx-[A-Za-z0-9_-]{10,}$/);
    expect(page.html).toMatch(/<div id="phx-[^"]+" data-phx-main data-phx-session="[\w-]+\.[\w-]+">/);
    expect(page.html).toContain("<title>Count 0</title>");
    expect(page.csrf).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(page.html).toContain('<script defer src="/live/assets/phoenix.min.js"></script>');
    expect(page.html).toContain('<script defer src="/live/assets/phoenix_live_view.min.js"></script>');
    expect(page.html).toContain('<h1 id="count">Count: 0</h1>');
    expect(page.cookie).toMatch(/^_cinder_csrf=[\w-]{32}$/);
    expect(s.logs).toContain("[info] GET /");
    expect(s.logs.some((l) => /^\[info\] Sent 200 in \d+(µs|ms)$/.test(l))).toBe(true);
  });

  test("security headers; the CSRF cookie is HttpOnly and SameSite; a known cookie is kept", async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toContain("private");
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);
    const cookie = res.headers.getSetCookie()[0].split(";")[0];
    const again = await fetch(`${s.base}/`, { headers: { cookie } });
    expect(again.headers.getSetCookie()).toEqual([]);
  });

  test("serves the official bundles byte for byte from their npm packages, and the boot script", async () => {
    const require = createRequire(import.meta.url);
    for (const [pkg, file] of [
      ["phoenix", "phoenix.min.js"],
      ["phoenix_live_view", "phoenix_live_view.min.js"],
    ]) {
      const res = await fetch(`${s.base}/live/assets/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/javascript/);
      const onDisk = readFileSync(join(dirname(require.resolve(pkg)), file));
      expect(Buffer.from(await res.arrayBuffer()).equals(onDisk)).toBe(true);
      const etag = res.headers.get("etag")!;
      expect(
        (await fetch(`${s.base}/live/assets/${file}`, { headers: { "if-none-match": etag } })).status,
      ).toBe(304);
    }
    // Without a client module the boot script connects at once: run it against stand-ins for the page
    // and the two bundles' globals, and see what it hands the LiveSocket.
    const boot = await (await fetch(`${s.base}/live/assets/boot.js`)).text();
    const page = await fetchPage(s.base);
    const made: { args: unknown[]; connected: boolean }[] = [];
    class Socket {}
    class LiveSocket {
      constructor(...args: unknown[]) {
        made.push({ args, connected: false });
      }
      connect() {
        made[made.length - 1].connected = true;
      }
    }
    const document = {
      querySelector: (sel: string) =>
        sel === "meta[name='csrf-token']"
          ? { getAttribute: (a: string) => (a === "content" ? page.csrf : null) }
          : null,
    };
    const window: { liveSocket?: unknown } = {};
    runInNewContext(boot, { document, window, Phoenix: { Socket }, LiveView: { LiveSocket } });
    expect(made).toHaveLength(1);
    expect(made[0].connected).toBe(true);
    expect(made[0].args).toEqual([
      "/live",
      Socket,
      { params: { _csrf_token: page.csrf }, hooks: {}, uploaders: {} },
    ]);
    expect(window.liveSocket).toBeInstanceOf(LiveSocket);
  });

  test("404 for unknown paths, 404 for non-GET on a live route, HEAD has no body", async () => {
    expect((await fetch(`${s.base}/nope`)).status).toBe(404);
    expect((await fetch(`${s.base}/`, { method: "POST" })).status).toBe(404);
    const head = await fetch(`${s.base}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});

describe("websocket handshake", () => {
  test("refuses a foreign Origin, a missing, forged or foreign CSRF token, and an unknown serializer", async () => {
    const page = await fetchPage(s.base);
    const other = await fetchPage(s.base);
    await expect(RawClient.connect(s.base, page, { origin: "http://evil.example" })).rejects.toThrow(
      "HTTP 403",
    );
    await expect(RawClient.connect(s.base, page, { csrf: "" })).rejects.toThrow("HTTP 403");
    await expect(RawClient.connect(s.base, page, { csrf: `${page.csrf.slice(0, -3)}AAA` })).rejects.toThrow(
      "HTTP 403",
    );
    // A token from another browser's page does not fit this browser's cookie.
    await expect(RawClient.connect(s.base, page, { csrf: other.csrf })).rejects.toThrow("HTTP 403");
    await expect(RawClient.connect(s.base, page, { cookie: "" })).rejects.toThrow("HTTP 403");
    await expect(RawClient.connect(s.base, page, { vsn: "1.0.0" })).rejects.toThrow("HTTP 400");
    expect(s.logs).toContain('[warn] refused websocket from origin "http://evil.example": not allowed');
    expect(s.logs).toContain("[warn] refused websocket: missing or invalid CSRF token");
    // No Origin at all (not a browser): the CSRF token still has to be right.
    const c = await RawClient.connect(s.base, page, { origin: null });
    c.close();
  });

  test("logs the connection in Phoenix's voice", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect(s.logs.some((l) => l.startsWith("[info] CONNECTED TO Cinder.LiveView.Socket in "))).toBe(true);
    expect(s.logs.join("\n")).toContain('"_csrf_token":"[FILTERED]"');
    c.close();
  });
});

describe("the channel protocol", () => {
  test("heartbeat, join, click with a minimal diff, a no-op answered {}, leave", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect(await c.push(null, "1", "phoenix", "heartbeat", {})).toEqual({ status: "ok", response: {} });
    const joined = await c.join(page, "2");
    expect(joined.status).toBe("ok");
    expect(joined.response.liveview_version).toBe("1.2.12");
    expect(joined.response.rendered.s[0]).toContain("<main>");
    expect(joined.response.rendered.t).toBe("Count 0");
    const topic = `lv:${page.id}`;
    const click = await c.push("2", "3", topic, "event", { type: "click", event: "inc", value: {} });
    expect(click).toEqual({ status: "ok", response: { diff: { 0: "1", t: "Count 1" } } });
    const same = await c.push("2", "4", topic, "event", {
      type: "form",
      event: "validate",
      value: "user%5Bname%5D=",
      meta: { _target: "user[name]" },
    });
    expect(same).toEqual({ status: "ok", response: {} });
    const typed = await c.push("2", "5", topic, "event", {
      type: "form",
      event: "validate",
      value: "user%5Bname%5D=Ann",
      meta: { _target: "user[name]" },
    });
    expect(JSON.stringify(typed.response.diff)).toContain("Ann");
    expect(s.logs).toContain('[debug] HANDLE EVENT "inc" in CounterFormView\n  Parameters: {}');
    expect(s.logs.some((l) => l.startsWith("[debug] MOUNT CounterFormView"))).toBe(true);
    c.send(["2", "6", topic, "phx_leave", {}]);
    const leaveReply = await c.reply("6");
    expect(leaveReply[4]).toEqual({ status: "ok", response: {} });
    expect(await c.next((f) => f[3] === "phx_close")).toEqual(["2", "2", topic, "phx_close", {}]);
    // After leaving, the topic is unknown again.
    expect(await c.push("2", "7", topic, "event", { type: "click", event: "inc", value: {} })).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    c.close();
  });

  test("live_patch to the same view answers {}, elsewhere {link_redirect: true}", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    await c.join(page, "1");
    const topic = `lv:${page.id}`;
    expect(await c.push("1", "2", topic, "live_patch", { url: "http://127.0.0.1/?x=1" })).toEqual({
      status: "ok",
      response: {},
    });
    expect(await c.push("1", "3", topic, "live_patch", { url: "http://127.0.0.1/fragile" })).toEqual({
      status: "ok",
      response: { link_redirect: true },
    });
    expect(await c.push("1", "4", topic, "cids_will_destroy", { cids: [] })).toEqual({
      status: "ok",
      response: {},
    });
    c.close();
  });

  test("a second join of the same topic closes the first", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    await c.join(page, "1");
    const second = await c.join(page, "2");
    expect(second.status).toBe("ok");
    expect(c.frames.some((f) => f[0] === "1" && f[3] === "phx_close")).toBe(true);
    c.close();
  });

  test("a broadcast reaches the view as an unsolicited diff push", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    await c.join(page, "1");
    await s.endpoint.broadcast("counter", "announce", "hello everyone");
    const [joinRef, ref, topic, event, payload] = await c.next((f) => f[3] === "diff");
    expect([joinRef, ref, topic, event]).toEqual(["1", null, `lv:${page.id}`, "diff"]);
    expect(JSON.stringify(payload)).toContain("hello everyone");
    c.close();
  });
});

describe("join refusals", () => {
  test("a forged or foreign session token is unauthorized; an expired one is stale", async () => {
    const page = await fetchPage(s.base);
    const other = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    const [body, mac] = page.session.split(".");
    const forged = `${Buffer.from(JSON.stringify({ d: { id: page.id, s: { admin: true } }, t: Date.now() })).toString("base64url")}.${mac}`;
    expect(body).not.toBe(forged.split(".")[0]);
    expect(await c.join(page, "1", { session: forged })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    // A genuine token, but for another page's view id.
    expect(await c.join(page, "2", { session: other.session })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    expect(await c.join(page, "3", { session: "garbage" })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    c.close();

    const short = await startEndpoint((ep) => ({ "/": counterFormView(ep) }), { sessionMaxAge: 1 });
    try {
      const p = await fetchPage(short.base);
      const sc = await RawClient.connect(short.base, p);
      await new Promise((r) => setTimeout(r, 20));
      expect(await sc.join(p, "1")).toEqual({ status: "error", response: { reason: "stale" } });
      sc.close();
    } finally {
      await short.endpoint.close();
    }
  });

  test("a join for a URL no view serves is unauthorized, first mount or live navigation (as Phoenix)", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    expect(await c.join(page, "1", { url: "http://127.0.0.1/nowhere" })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    // Not {redirect}: the official client answers unauthorized with a page load carrying the flash.
    expect(await c.join(page, "2", { url: undefined, redirect: "http://127.0.0.1/nowhere?a=1" })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    // Live navigation to another live route (of the same group) mounts that view with the same session.
    const nav = await c.join(page, "3", { url: undefined, redirect: "http://127.0.0.1/fragile" });
    expect(nav.status).toBe("ok");
    expect(nav.response.rendered.s.join("")).toContain('id="boom"');
    c.close();
  });
});

describe("bad input never crashes the server", () => {
  test("event before join, unknown topic, unknown event: error replies, logged", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    const topic = `lv:${page.id}`;
    expect(await c.push("1", "1", topic, "event", { type: "click", event: "inc", value: {} })).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    expect(await c.push("2", "2", "room:lobby", "phx_join", {})).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    expect(await c.push(null, "3", "phoenix", "nope", {})).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    await c.join(page, "4");
    expect(await c.push("4", "5", topic, "frobnicate", {})).toEqual({
      status: "error",
      response: { reason: "unknown event" },
    });
    expect(await c.push("4", "6", topic, "allow_upload", { ref: "x", entries: [] })).toEqual({
      status: "error",
      response: { reason: "no uploads allowed" },
    });
    expect(await c.push("4", "7", topic, "event", { type: "click", value: {} })).toEqual({
      status: "error",
      response: { reason: "malformed event" },
    });
    expect(await c.push("4", "8", topic, "event", "not an object")).toEqual({
      status: "error",
      response: { reason: "malformed message" },
    });
    expect(s.logs.some((l) => l.startsWith('[warn] Ignoring unmatched topic "lv:'))).toBe(true);
    expect(s.logs).toContain(`[warn] unknown event "frobnicate" on ${topic}; replied with an error`);
    // The socket is still fine.
    expect(await c.push(null, "9", "phoenix", "heartbeat", {})).toEqual({ status: "ok", response: {} });
    c.close();
  });

  test("frames that cannot be answered close that socket (and only it)", async () => {
    const page = await fetchPage(s.base);
    const bystander = await RawClient.connect(s.base, page);
    await bystander.join(page, "1");
    for (const [bad, code] of [
      ["{not json", 1008],
      ['{"an":"object"}', 1008],
      ["[1,2,3]", 1008],
      ['[null, null, "phoenix", "heartbeat", {}, "extra"]', 1008],
      [Buffer.from([0, 9, 9, 9]), 1003],
    ] as const) {
      const c = await RawClient.connect(s.base, page);
      c.send(bad);
      expect((await c.closed).code).toBe(code);
    }
    // A binary frame whose header can be read is answered instead: it is no joined upload channel's.
    const c = await RawClient.connect(s.base, page);
    const header = Buffer.from([0, 1, 1, 7, 5]);
    c.send(Buffer.concat([header, Buffer.from("12phoenixchunk"), Buffer.from([1, 2, 3])]));
    expect((await c.reply("2"))[4]).toEqual({
      status: "error",
      response: { reason: "unmatched topic" },
    });
    c.close();
    expect(s.logs).toContain("[warn] malformed frame: frame is not JSON");
    const hb = await bystander.push(null, "2", "phoenix", "heartbeat", {});
    expect(hb.status).toBe("ok");
    bystander.close();
  });

  test("a frame over maxPayload closes the socket with 1009", async () => {
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    c.send(JSON.stringify([null, "1", "phoenix", "heartbeat", { pad: "x".repeat(70 * 1024) }]));
    expect((await c.closed).code).toBe(1009);
  });

  test("a crashing view dies alone: phx_error on its topic, the other view and the socket live on, a rejoin mounts afresh", async () => {
    const fragile = await fetchPage(s.base, "/fragile");
    const counter = await fetchPage(s.base, "/");
    // Both pages' views on one socket (the cookie is the same browser's once the first set it).
    const c = await RawClient.connect(s.base, fragile);
    const ft = `lv:${fragile.id}`;
    const ct = `lv:${counter.id}`;
    expect((await c.join(fragile, "1", { url: "http://127.0.0.1/fragile" })).status).toBe("ok");
    expect((await c.join(counter, "2")).status).toBe("ok");
    await c.push("1", "3", ft, "event", { type: "click", event: "inc", value: {} });
    c.send(["1", "4", ft, "event", { type: "click", event: "boom", value: {} }]);
    expect(await c.next((f) => f[3] === "phx_error")).toEqual([
      "1",
      "1",
      ft,
      "phx_error",
      { reason: "channel_crash" },
    ]);
    const other = await c.push("2", "5", ct, "event", { type: "click", event: "inc", value: {} });
    expect(other.response.diff[0]).toBe("1");
    // The crashed topic is no longer joined; the client rejoins it and gets a fresh mount.
    expect(
      (await c.push("1", "6", ft, "event", { type: "click", event: "inc", value: {} })).response,
    ).toEqual({
      reason: "unmatched topic",
    });
    const rejoined = await c.join(fragile, "7", { url: "http://127.0.0.1/fragile" });
    expect(rejoined.response.rendered[0]).toBe("0");
    expect(s.logs).toContain(`[info] ${ft} crashed; sent phx_error`);
    expect(s.crashes.some((r) => r.includes("crashed: Error: boom (a crash the test asked for)"))).toBe(true);
    c.close();
  });

  test("after all of the above the server still serves pages", async () => {
    expect((await fetchPage(s.base)).status).toBe(200);
  });
});
