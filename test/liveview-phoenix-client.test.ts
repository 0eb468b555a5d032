/**
 * The official client's channel layer (`Phoenix.Socket` from the pinned `phoenix` package, with `ws` as
 * its transport) drives live views on a real endpoint; the official `rendered.js` merges what arrives.
 * Nothing here is our code on the client side.
 */
import { Socket } from "phoenix";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { ClientView } from "../packages/liveview/test/support/client.js";
import { counterFormView, FragileView } from "./fixtures/liveview/views.js";
import { fetchPage, type Page, type Started, startEndpoint } from "./helpers/liveview.js";

let s: Started;

beforeAll(async () => {
  s = await startEndpoint((ep) => ({ "/": counterFormView(ep), "/fragile": FragileView }));
});
afterAll(() => s.endpoint.close());

/** A Phoenix.Socket connected as the page's browser would be (its cookie, its Origin, its CSRF token). */
function connect(page: Page, opts: Record<string, unknown> = {}): Socket {
  const { cookie } = page;
  const origin = s.base;
  class BrowserLikeWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie, origin } });
    }
  }
  const socket = new Socket(`${s.base.replace("http", "ws")}/live`, {
    transport: BrowserLikeWebSocket,
    params: { _csrf_token: page.csrf },
    ...opts,
  });
  socket.connect();
  return socket;
}

/** Joins the page's view with the payload LiveView's `view.ts` sends. */
function channelFor(socket: Socket, page: Page, path = "/") {
  return socket.channel(`lv:${page.id}`, () => ({
    url: `${s.base}${path}`,
    params: { _csrf_token: page.csrf, _mounts: 0, _mount_attempts: 0 },
    session: page.session,
    static: page.staticToken,
    sticky: false,
  }));
}

function pushed(channel: ReturnType<Socket["channel"]>, event: string, payload: object): Promise<any> {
  return new Promise((resolve, reject) => {
    channel
      .push(event, payload)
      .receive("ok", resolve)
      .receive("error", reject)
      .receive("timeout", () => reject(new Error("timeout")));
  });
}

describe("Phoenix.Socket (phoenix@1.8.16) against the endpoint", () => {
  test("join, click, form change and submit, broadcast: the official merge shows the expected HTML", async () => {
    const page = await fetchPage(s.base);
    const socket = connect(page);
    const channel = channelFor(socket, page);
    const joined: any = await new Promise((resolve, reject) =>
      channel.join().receive("ok", resolve).receive("error", reject),
    );
    expect(joined.liveview_version).toBe("1.2.12");
    const view = new ClientView(joined.rendered);
    expect(view.html()).toContain('<h1 id="count">Count: 0</h1>');
    expect(view.titles).toEqual(["Count 0"]);
    const diffs: unknown[] = [];
    channel.on("diff", (diff: Record<string, unknown>) => {
      diffs.push(diff);
      view.apply(diff);
    });

    const reply = await pushed(channel, "event", { type: "click", event: "inc", value: { value: "" } });
    expect(reply).toEqual({ diff: { 0: "1", t: "Count 1" } });
    view.apply(reply.diff);
    expect(view.html()).toContain("Count: 1");

    const change = await pushed(channel, "event", {
      type: "form",
      event: "validate",
      value: "user%5Bname%5D=Ada+%3Cb%3E",
      meta: { _target: "user[name]" },
    });
    view.apply(change.diff);
    expect(view.html()).toContain('value="Ada &lt;b&gt;"');
    expect(view.html()).toContain("Hello, <b>Ada &lt;b&gt;</b>!");

    const submit = await pushed(channel, "event", {
      type: "form",
      event: "save",
      value: "user%5Bname%5D=Ada",
    });
    view.apply(submit.diff);
    expect(view.html()).toContain('<li id="saved-1">Ada</li>');
    expect(view.events.at(-1)).toEqual([["saved", { name: "Ada" }]]);

    await s.endpoint.broadcast("counter", "announce", "Deploy done");
    await waitUntil(() => diffs.length > 0);
    expect(view.html()).toContain('<p id="announcement">Deploy done</p>');

    await new Promise((resolve) => channel.leave().receive("ok", resolve));
    socket.disconnect();
  });

  test("heartbeats are answered, so the client keeps its connection", async () => {
    const page = await fetchPage(s.base);
    const replies: unknown[] = [];
    // phoenix.js drops a connection whose heartbeat is not answered before the next one is due: an interval
    // short enough to be quick, long enough for a reply on a busy machine.
    const socket = connect(page, { heartbeatIntervalMs: 500 });
    socket.onMessage((msg: { topic: string; event: string }) => {
      if (msg.topic === "phoenix" && msg.event === "phx_reply") replies.push(msg);
    });
    await waitUntil(() => replies.length >= 3);
    expect(socket.isConnected()).toBe(true);
    socket.disconnect();
  });

  test("a crash sends phx_error; the official channel rejoins by itself and the view mounts afresh", async () => {
    const page = await fetchPage(s.base, "/fragile");
    const socket = connect(page);
    const channel = channelFor(socket, page, "/fragile");
    const joins: any[] = [];
    let errors = 0;
    channel.onError(() => errors++);
    channel.join().receive("ok", (resp: unknown) => joins.push(resp));
    await waitUntil(() => joins.length === 1);
    const r = await pushed(channel, "event", { type: "click", event: "inc", value: {} });
    expect(r.diff[0]).toBe("1");
    channel.push("event", { type: "click", event: "boom", value: {} });
    await waitUntil(() => errors === 1);
    // phoenix.js rejoins after rejoinAfterMs (1 s for the first try).
    await waitUntil(() => joins.length === 2);
    expect(s.crashes.some((r) => r.includes("crashed: Error: boom (a crash the test asked for)"))).toBe(true);
    expect(new ClientView(joins[1].rendered).html()).toContain('<p id="n">0</p>');
    const after = await pushed(channel, "event", { type: "click", event: "inc", value: {} });
    expect(after.diff[0]).toBe("1");
    socket.disconnect();
  });

  test("a join with a tampered session is refused as unauthorized", async () => {
    const page = await fetchPage(s.base);
    const socket = connect(page);
    const channel = socket.channel(`lv:${page.id}`, {
      url: `${s.base}/`,
      session: `${page.session}x`,
      params: {},
    });
    const err = await new Promise((resolve) => channel.join().receive("error", resolve));
    expect(err).toEqual({ reason: "unauthorized" });
    socket.disconnect();
  });
});

async function waitUntil(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
