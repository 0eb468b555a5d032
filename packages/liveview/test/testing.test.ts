import type { IncomingMessage } from "node:http";
import { type ExitReason, isAlive, link, type Pid, self, send, sendAfter, spawn } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { describe, expect, test } from "vitest";
import {
  createEndpoint,
  createLogger,
  defineLiveView,
  type Endpoint,
  html,
  type LiveView,
} from "../src/index.js";
import { LiveViewTest, live, liveIsolated, RedirectError, ReplyError } from "../src/testing.js";
import { crashReports } from "./support/crash_reports.js";

const quiet = createLogger({ level: "error" });
let n = 0;

async function endpointFor(
  routes: Record<string, LiveView>,
  { runtime, logger = quiet }: Partial<ReturnType<typeof crashReports>> = {},
): Promise<Endpoint> {
  const pubsub = await PubSub.start({ name: `lv-testing-${++n}`, runtime });
  return createEndpoint({
    routes,
    pubsub,
    secret: "a-test-secret-that-is-long-enough-0123456789",
    logger,
    runtime,
  });
}

const Counter = defineLiveView<{ count: number }>({
  name: "Counter",
  mount(_params, _session, socket) {
    socket.assign({ count: 0 });
  },
  handleEvent(event, value, socket) {
    if (event === "inc") socket.update("count", (c) => c + 1);
    if (event === "set") socket.assign({ count: Number(value.to) });
    if (event === "noop") socket.assign({ count: socket.assigns.count });
  },
  render: ({ count }) => html`<p>Count: ${count}</p><button phx-click="inc">+</button>`,
});

describe("the test harness drives a view through the real join/event/diff path", () => {
  test("mount, click, html", async () => {
    const view = await liveIsolated(Counter);
    expect(view).toBeInstanceOf(LiveViewTest);
    expect(view.html()).toBe('<p>Count: 0</p><button phx-click="inc">+</button>');
    expect(await view.click("inc")).toContain("Count: 1");
    await view.click("set", { to: "41" });
    await view.click("inc");
    expect(view.render()).toContain("Count: 42");
    await view.click("noop"); // nothing changed: no diff, same HTML
    expect(view.html()).toContain("Count: 42");
    view.close();
  });

  test("live(endpoint, path) renders the route with path and query params", async () => {
    const Show = defineLiveView<{ id: string; tab: string }>({
      mount(params, _s, socket) {
        socket.assign({ id: String(params.id), tab: String(params.tab ?? "none") });
      },
      render: (a) => html`<h1>${a.id}/${a.tab}</h1>`,
    });
    const endpoint = await endpointFor({ "/users/:id": Show });
    const view = await live(endpoint, "/users/7?tab=posts");
    expect(view.html()).toBe("<h1>7/posts</h1>");
    await endpoint.close();
  });

  test("forms: phx-change with _target decoded into a path, phx-submit with nested params", async () => {
    const seen: unknown[] = [];
    const Form = defineLiveView<{ name: string; saved: string }>({
      mount(_p, _s, socket) {
        socket.assign({ name: "", saved: "" });
      },
      handleEvent(event, value, socket) {
        seen.push([event, value]);
        if (event === "validate") socket.assign({ name: value.user.name });
        if (event === "save") socket.assign({ saved: `${value.user.name} <${value.user.tags.join(",")}>` });
      },
      render: (
        a,
      ) => html`<form phx-change="validate" phx-submit="save"><input name="user[name]" value="${a.name}"></form>
<p>${a.saved}</p>`,
    });
    const view = await liveIsolated(Form);
    await view.change("validate", { user: { name: "Jo & Co" } }, "user[name]");
    expect(view.html()).toContain('value="Jo &amp; Co"');
    await view.submit("save", { user: { name: "Jo", tags: ["a", "b"] } });
    expect(view.html()).toContain("<p>Jo &lt;a,b&gt;</p>");
    expect(seen[0]).toEqual(["validate", { user: { name: "Jo & Co" }, _target: ["user", "name"] }]);
    expect(seen[1]).toEqual(["save", { user: { name: "Jo", tags: ["a", "b"] } }]);
    view.close();
  });

  test("a broadcast re-renders every subscribed view; broadcastFrom skips the sender", async () => {
    const Room = defineLiveView<{ messages: string[] }>({
      mount(_p, _s, socket) {
        socket.assign({ messages: [] });
        if (socket.connected) endpoint.subscribe("room");
      },
      handleEvent(event, value, socket) {
        if (event === "say") endpoint.broadcastFrom(self(), "room", "said", value.text);
        socket.update("messages", (m) => [...m, `me: ${value.text}`]);
      },
      handleInfo(msg: { topic: string; event: string; payload: string }, socket) {
        socket.update("messages", (m) => [...m, `${msg.event}: ${msg.payload}`]);
      },
      render: (a) => html`<ul>${a.messages.map((m) => html`<li>${m}</li>`)}</ul>`,
    });
    const endpoint = await endpointFor({ "/": Room });
    const a = await live(endpoint, "/");
    const b = await live(endpoint, "/");
    await a.click("say", { text: "hi" });
    await b.waitFor("<li>said: hi</li>");
    expect(a.html()).toBe("<ul><li>me: hi</li></ul>");
    endpoint.broadcast("room", "system", "bye");
    await a.waitFor("system: bye");
    await b.waitFor("system: bye");
    await endpoint.close();
  });

  test("self(), send and sendAfter work in async callbacks; handleInfo pushes diffs", async () => {
    const Ticker = defineLiveView<{ ticks: number; me: string }>({
      async mount(_p, _s, socket) {
        await Promise.resolve();
        socket.assign({ ticks: 0, me: socket.connected ? String(self()) : "dead" });
      },
      async handleEvent(event, _v, socket) {
        await new Promise((r) => setTimeout(r, 5));
        if (event === "start") {
          send(self(), "tick");
          sendAfter(self(), "tick", 20);
        }
        socket.assign({ ticks: socket.assigns.ticks });
      },
      async handleInfo(msg: string, socket) {
        await Promise.resolve();
        if (msg === "tick") socket.update("ticks", (t) => t + 1);
      },
      render: (a) => html`<b>${a.ticks}</b><i>${a.me}</i>`,
    });
    const view = await liveIsolated(Ticker);
    expect(view.html()).toMatch(/<i>&lt;local\.\d+&gt;<\/i>/);
    await view.click("start");
    await view.waitFor("<b>2</b>");
    view.close();
  });

  test("pushEvent, pageTitle, flash and lv:clear-flash", async () => {
    const V = defineLiveView<{ n: number }>({
      mount(_p, _s, socket) {
        socket.assign({ n: 0 });
        socket.pageTitle = "Start";
      },
      handleEvent(event, _v, socket) {
        if (event === "go") {
          socket.pushEvent("highlight", { id: 1 });
          socket.pageTitle = "Gone";
          socket.putFlash("info", "Went!");
        }
        if (event === "ping") socket.pushEvent("pong", {}); // an event alone, no render
      },
      render: (a) => html`<div>${a.n}${a.flash.info && html`<p class="flash">${a.flash.info}</p>`}</div>`,
    });
    const view = await liveIsolated(V);
    expect(view.title).toBe("Start");
    await view.click("go");
    expect(view.title).toBe("Gone");
    expect(view.events).toEqual([["highlight", { id: 1 }]]);
    expect(view.html()).toContain('<p class="flash">Went!</p>');
    await view.click("lv:clear-flash", { key: "info" });
    expect(view.html()).toBe("<div>0</div>");
    await view.click("ping");
    expect(view.events).toEqual([
      ["highlight", { id: 1 }],
      ["pong", {}],
    ]);
    view.close();
  });

  test("pushPatch runs handleParams and pushes live_patch; a client patch does too", async () => {
    const Paged = defineLiveView<{ page: number }>({
      mount(_p, _s, socket) {
        socket.assign({ page: 0 });
      },
      handleParams(params, _url, socket) {
        socket.assign({ page: Number(params.page ?? 1) });
      },
      handleEvent(_e, _v, socket) {
        socket.pushPatch(`/?page=${socket.assigns.page + 1}`);
      },
      render: (a) => html`<p>page ${a.page}</p>`,
    });
    const view = await liveIsolated(Paged);
    expect(view.html()).toBe("<p>page 1</p>");
    await view.click("next");
    expect(view.html()).toBe("<p>page 2</p>");
    expect(view.patches).toEqual(["/?page=2"]);
    await view.patch("/?page=9");
    expect(view.html()).toBe("<p>page 9</p>");
    await view.patch("/elsewhere");
    expect(view.redirect).toEqual({ type: "live_redirect", to: "/elsewhere" });
    view.close();
  });

  test("redirect and pushNavigate stop the view; the flash travels signed", async () => {
    const V = defineLiveView({
      mount(_p, _s, socket) {
        socket.assign({});
      },
      handleEvent(event, _v, socket) {
        if (event === "away") socket.putFlash("info", "bye").redirect("/login");
        if (event === "nav") socket.pushNavigate("/other", { replace: true });
        if (event === "evil") socket.redirect("//evil.example");
      },
      render: () => html`<p>x</p>`,
    });
    const a = await liveIsolated(V);
    await a.click("away");
    expect(a.redirect).toMatchObject({ type: "redirect", to: "/login" });
    expect(typeof a.redirect?.flash).toBe("string");
    await waitUntil(() => a.status === "closed");
    const b = await liveIsolated(V);
    await b.click("nav");
    expect(b.redirect).toEqual({ type: "live_redirect", to: "/other", kind: "replace" });
    await waitUntil(() => b.status === "closed");
    // An open redirect is refused: the callback throws, the view crashes, nothing is sent anywhere.
    const crash = crashReports();
    const c = await liveIsolated(V, crash);
    await expect(c.click("evil")).rejects.toThrow(/crashed/);
    expect(c.status).toBe("crashed");
    await waitUntil(() => crash.reports.length > 0);
    expect(crash.reports[0]).toMatch(
      /^\[error\] process <local\.\d+> crashed: TypeError: redirect: expected a local path/,
    );
  });

  test("a throwing callback crashes only its view: phx_error, and a fresh mount works", async () => {
    const Fragile = defineLiveView<{ n: number }>({
      mount(_p, _s, socket) {
        socket.assign({ n: 0 });
      },
      handleEvent(event, _v, socket) {
        if (event === "boom") throw new Error("boom (expected by the test)");
        socket.update("n", (x) => x + 1);
      },
      render: (a) => html`<p>${a.n}</p>`,
    });
    const crash = crashReports();
    const endpoint = await endpointFor({ "/": Fragile }, crash);
    const a = await live(endpoint, "/");
    const b = await live(endpoint, "/");
    await a.click("inc");
    await expect(a.click("boom")).rejects.toThrow();
    expect(a.status).toBe("crashed");
    expect(await b.click("inc")).toBe("<p>1</p>");
    const again = await live(endpoint, "/");
    expect(again.html()).toBe("<p>0</p>");
    expect(
      crash.reports.filter((r) => r.includes("crashed: Error: boom (expected by the test)")),
    ).toHaveLength(1);
    await endpoint.close();
  });

  test("terminate runs on leave and on close; hooks get replies", async () => {
    const reasons: ExitReason[] = [];
    const V = defineLiveView({
      mount(_p, _s, socket) {
        socket.assign({});
      },
      handleEvent(event, value) {
        if (event === "sum") return { reply: { sum: (value as number[]).reduce((s, x) => s + x, 0) } };
      },
      terminate(reason) {
        reasons.push(reason);
      },
      render: () => html`<p>t</p>`,
    });
    const a = await liveIsolated(V);
    expect(await a.hook("sum", [1, 2, 3])).toEqual({ sum: 6 });
    await a.leave();
    await waitUntil(() => reasons.length === 1);
    const b = await liveIsolated(V);
    b.close();
    await waitUntil(() => reasons.length === 2);
    expect(reasons).toEqual(["shutdown", "shutdown"]);
  });

  test("a linked process's crash takes the view down, unless it traps exits", async () => {
    const make = (trapExit: boolean) =>
      defineLiveView<{ exits: number }>({
        trapExit,
        mount(_p, _s, socket) {
          socket.assign({ exits: 0 });
        },
        handleEvent(_e, _v, socket) {
          const worker = spawn(() => {
            throw new Error("worker failed (expected by the test)");
          });
          link(worker);
          socket.assign({ exits: socket.assigns.exits });
        },
        handleInfo(msg: { type?: string }, socket) {
          if (msg.type === "EXIT") socket.update("exits", (e) => e + 1);
        },
        render: (a) => html`<p>${a.exits}</p>`,
      });
    const crash = crashReports();
    const dies = await liveIsolated(make(false), crash);
    await dies.click("go").catch(() => {});
    await waitUntil(() => dies.status === "crashed");
    const traps = await liveIsolated(make(true), crash);
    await traps.click("go");
    await traps.waitFor("<p>1</p>");
    traps.close();
    // The worker crashed twice (once per view); the view that did not trap exits went down with it.
    const workers = crash.reports.filter((r) =>
      r.includes("crashed: Error: worker failed (expected by the test)"),
    );
    expect(workers).toHaveLength(2);
  });

  test("session from the request, connect params, key and focus events", async () => {
    const seen: unknown[] = [];
    const V = defineLiveView<{ user: string; tz: string }>({
      mount(_p, session, socket) {
        socket.assign({ user: String(session.user), tz: String(socket.connectParams.tz ?? "-") });
      },
      handleEvent(event, value) {
        seen.push([event, value]);
      },
      render: (a) => html`<p>${a.user} ${a.tz}</p>`,
    });
    const pubsub = await PubSub.start({ name: `lv-testing-${++n}` });
    const endpoint = createEndpoint({
      routes: { "/": V },
      pubsub,
      secret: "a-test-secret-that-is-long-enough-0123456789",
      logger: quiet,
      session: (req) => ({ user: /user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? "anon" }),
    });
    const view = await live(endpoint, "/", { headers: { cookie: "user=ann" }, connectParams: { tz: "UTC" } });
    expect(view.html()).toBe("<p>ann UTC</p>");
    await view.key("keydown", "move", "ArrowUp");
    await view.focus("blur", "left", { field: "x" });
    expect(seen).toEqual([
      ["move", { key: "ArrowUp" }],
      ["left", { field: "x" }],
    ]);
    await endpoint.close();
  });

  test("a connected mount that throws refuses the join with join crashed", async () => {
    const Bad = defineLiveView({
      mount(_p, _s, socket) {
        if (socket.connected) throw new Error("mount failed (expected by the test)");
      },
      render: () => html`<p>dead only</p>`,
    });
    const crash = crashReports();
    const err = await liveIsolated(Bad, crash).catch((e) => e);
    expect(err).toBeInstanceOf(ReplyError);
    expect(err.response).toEqual({ reason: "join crashed" });
    expect(crash.reports.some((r) => r.includes("crashed: Error: mount failed (expected by the test)"))).toBe(
      true,
    );
    expect(
      crash.reports.some((r) => /^\[error\] lv:phx-\S+ crashed while mounting; join refused$/.test(r)),
    ).toBe(true);
  });

  test("a view stuck in mount is killed when the client joins its topic again", async () => {
    const mounting: Pid[] = [];
    const Stuck = defineLiveView({
      async mount(_p, _s, socket) {
        if (!socket.connected) return;
        mounting.push(self());
        await new Promise(() => {}); // never resolves
      },
      render: () => html`<p>never</p>`,
    });
    const endpoint = await endpointFor({ "/": Stuck });
    const req = { url: "/", headers: { host: "localhost" }, socket: {} } as unknown as IncomingMessage;
    const page = await endpoint.render(req, "", {});
    if (page.kind !== "page") throw new Error("expected a page");
    const conn = endpoint.connectMemory(
      () => {},
      () => {},
    );
    const join = (ref: string) =>
      conn.receive(
        JSON.stringify([
          ref,
          ref,
          `lv:${page.id}`,
          "phx_join",
          { url: "http://localhost/", session: page.sessionToken },
        ]),
      );
    join("1");
    await waitUntil(() => mounting.length === 1);
    join("2");
    await waitUntil(() => mounting.length === 2);
    await waitUntil(() => !isAlive(mounting[0]));
    expect(isAlive(mounting[1])).toBe(true);
    conn.close();
    await endpoint.close(100);
  });

  test("a redirect during the dead render is an HTTP redirect", async () => {
    const Guarded = defineLiveView({
      mount(_p, session, socket) {
        if (session.user === undefined) socket.redirect("/login");
      },
      render: () => html`<p>secret</p>`,
    });
    await expect(liveIsolated(Guarded)).rejects.toThrow(RedirectError);
    const ok = await liveIsolated(Guarded, { session: { user: "ann" } });
    expect(ok.html()).toBe("<p>secret</p>");
    ok.close();
  });
});

async function waitUntil(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
