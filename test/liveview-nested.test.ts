/**
 * Nested and sticky live views (`liveRender`) over a real websocket, as the official client drives them:
 * the page's dead render holds the child's HTML, the parent's join reply a container with the child's
 * token, and the child joins on the same socket with no URL.
 */
import { defineLiveView, html, liveRender } from "@cinder/liveview";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchPage, RawClient, type Started, startEndpoint } from "./helpers/liveview.js";

let childMounts = 0;
const Child = defineLiveView<{ n: number; who: string }>({
  name: "Child",
  mount(_p, session, socket) {
    if (socket.connected) childMounts++;
    socket.assign({ n: 0, who: String(session.who) });
  },
  events: { inc: (_v, socket) => void socket.update("n", (n) => n + 1) },
  render: ({ n, who }) => html`<span class="child">${who} ${n}</span>`,
});

const Parent = defineLiveView<{ show: boolean }>({
  name: "Parent",
  mount(_p, _s, socket) {
    socket.assign({ show: true });
  },
  events: {
    boom: () => {
      throw new Error("parent crash");
    },
  },
  render: ({ show }) =>
    html`<h1>parent</h1>${show && liveRender(Child, { id: "kid", session: { who: "ann" } })}${liveRender(Child, { id: "pin", session: { who: "sticky" }, sticky: true })}`,
});

let it: Started;
beforeAll(async () => {
  it = await startEndpoint(() => ({ "/": Parent }));
});
afterAll(() => it.endpoint.close());

const attr = (s: string, id: string, name: string) =>
  new RegExp(`<div id="${id}"[^>]*\\b${name}="([^"]*)"`).exec(s)?.[1];

describe("liveRender over a real websocket", () => {
  test("dead render, parent join, child join, child events; the child dies with its parent", async () => {
    const page = await fetchPage(it.base, "/");
    expect(page.html).toContain(`data-phx-parent-id="${page.id}"><span class="child">ann 0</span></div>`);
    // A nested child's dead container has no token (it is joined from the parent's connected render); a
    // sticky one has its own and no parent.
    expect(attr(page.html, "kid", "data-phx-session")).toBe("");
    expect(page.html).toMatch(/<div id="pin" data-phx-session="[^"]+" data-phx-static="" data-phx-sticky>/);
    const client = await RawClient.connect(it.base, page);
    const join = await client.join(page, "1", { url: `${it.base}/` });
    expect(join.status).toBe("ok");
    const rendered = JSON.stringify(join.response.rendered);
    const token = /<div id=\\"kid\\" data-phx-session=\\"([^"\\]+)\\"/.exec(rendered)?.[1];
    expect(token).toBeDefined();
    const mountsBefore = childMounts;
    const child = await client.push("5", "5", "lv:kid", "phx_join", {
      params: { _csrf_token: page.csrf },
      session: token,
      static: null,
      sticky: false,
    });
    expect(child.status).toBe("ok");
    expect(JSON.stringify(child.response.rendered)).toContain("ann");
    expect(childMounts).toBe(mountsBefore + 1);
    const inc = await client.push("5", "6", "lv:kid", "event", { type: "click", event: "inc", value: {} });
    expect(inc.response.diff).toEqual({ "1": "1" });
    // The parent crashes: the child stops with it (phx_close), the parent gets phx_error.
    client.send(["1", "7", `lv:${page.id}`, "event", { type: "click", event: "boom", value: {} }]);
    await client.next((f) => f[2] === "lv:kid" && f[3] === "phx_close");
    expect(client.frames.some((f) => f[2] === `lv:${page.id}` && f[3] === "phx_error")).toBe(true);
    client.close();
  });

  test("a child token joins only beside its parent, never as a page", async () => {
    const page = await fetchPage(it.base, "/");
    const client = await RawClient.connect(it.base, page);
    const join = await client.join(page, "1", { url: `${it.base}/` });
    const token = /<div id=\\"kid\\" data-phx-session=\\"([^"\\]+)\\"/.exec(
      JSON.stringify(join.response.rendered),
    )![1];
    client.close();
    // Another socket, where the parent is not joined.
    const other = await RawClient.connect(it.base, page);
    const alone = await other.push("1", "1", "lv:kid", "phx_join", { session: token, static: null });
    expect(alone).toEqual({ status: "error", response: { reason: "unauthorized" } });
    // With a URL, as a page's root view would join: refused too (a child token always needs its parent).
    const asRoot = await other.push("2", "2", "lv:kid", "phx_join", { url: `${it.base}/`, session: token });
    expect(asRoot).toEqual({ status: "error", response: { reason: "unauthorized" } });
    other.close();
  });

  test("a sticky child joins on its own (no URL, no parent) and lives on when the page's view leaves", async () => {
    const page = await fetchPage(it.base, "/");
    const sticky = attr(page.html, "pin", "data-phx-session")!;
    const client = await RawClient.connect(it.base, page);
    await client.join(page, "1", { url: `${it.base}/` });
    const pin = await client.push("3", "3", "lv:pin", "phx_join", {
      session: sticky,
      static: null,
      sticky: true,
    });
    expect(pin.status).toBe("ok");
    expect(JSON.stringify(pin.response.rendered)).toContain("sticky");
    await client.push("1", "4", `lv:${page.id}`, "phx_leave", {});
    const inc = await client.push("3", "5", "lv:pin", "event", { type: "click", event: "inc", value: {} });
    expect(inc.response.diff).toEqual({ "1": "1" });
    client.close();
  });
});
