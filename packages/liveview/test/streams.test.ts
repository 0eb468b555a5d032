import { describe, expect, test } from "vitest";
import { settledHeap } from "../../../test/helpers/heap.js";
import { defineLiveView, html, type LiveStream } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";

// Streams through the real path, read back with the harness's client model, which keeps stream children as
// the browser's DOM does (checked in Chromium by test/e2e/liveview-components-streams.test.ts).

interface Msg {
  id: number;
  text: string;
}

const Chat = defineLiveView<{ streams: { messages: LiveStream<Msg> }; next: number }>({
  mount(_p, _s, socket) {
    socket.assign({ next: 3 });
    socket.stream("messages", [
      { id: 1, text: "one" },
      { id: 2, text: "two" },
    ]);
  },
  events: {
    append(v, socket) {
      const id = socket.assigns.next;
      socket.assign({ next: id + 1 });
      socket.streamInsert(
        "messages",
        { id, text: String(v.text) },
        {
          at: v.at === undefined ? -1 : Number(v.at),
          limit: v.limit === undefined ? undefined : Number(v.limit),
        },
      );
    },
    edit(v, socket) {
      socket.streamInsert(
        "messages",
        { id: Number(v.id), text: String(v.text) },
        { updateOnly: v.only === "1" },
      );
    },
    remove(v, socket) {
      socket.streamDelete("messages", { id: Number(v.id), text: "" });
    },
    removeDom(v, socket) {
      socket.streamDeleteByDomId("messages", String(v.domId));
    },
    reset(v, socket) {
      socket.stream("messages", [{ id: 100, text: String(v.text) }], { reset: true });
    },
    title(_v, socket) {
      socket.pageTitle = "changed";
    },
  },
  render: ({ streams }) =>
    html`<ul id="msgs" phx-update="stream">${streams.messages.map(
      ([domId, m]) => html`<li id="${domId}">${m.text}</li>`,
    )}</ul>`,
});

const items = (h: string) => [...h.matchAll(/<li id="([^"]+)">([^<]*)<\/li>/g)].map((m) => `${m[1]}:${m[2]}`);

describe("streams", () => {
  test("inserts at the end, the start and an index; updates in place; deletes; resets; limits", async () => {
    const view = await liveIsolated(Chat);
    expect(items(view.html())).toEqual(["messages-1:one", "messages-2:two"]);
    await view.click("append", { text: "three" });
    expect(items(view.html())).toEqual(["messages-1:one", "messages-2:two", "messages-3:three"]);
    await view.click("append", { text: "first", at: 0 });
    expect(items(view.html())[0]).toBe("messages-4:first");
    await view.click("append", { text: "middle", at: 2 });
    expect(items(view.html())).toEqual([
      "messages-4:first",
      "messages-1:one",
      "messages-5:middle",
      "messages-2:two",
      "messages-3:three",
    ]);
    await view.click("edit", { id: 1, text: "ONE" });
    expect(items(view.html())[1]).toBe("messages-1:ONE");
    await view.click("edit", { id: 42, text: "ghost", only: "1" });
    expect(view.html()).not.toContain("ghost");
    await view.click("remove", { id: 5 });
    await view.click("removeDom", { domId: "messages-4" });
    expect(items(view.html())).toEqual(["messages-1:ONE", "messages-2:two", "messages-3:three"]);
    // A negative limit keeps the last n.
    await view.click("append", { text: "six", limit: -2 });
    expect(items(view.html())).toEqual(["messages-3:three", "messages-6:six"]);
    // A positive limit keeps the first n.
    await view.click("append", { text: "seven", at: 0, limit: 2 });
    expect(items(view.html())).toEqual(["messages-7:seven", "messages-3:three"]);
    await view.click("reset", { text: "fresh" });
    expect(items(view.html())).toEqual(["messages-100:fresh"]);
    // A render that does not touch the stream leaves the page's items alone.
    await view.click("title");
    expect(items(view.html())).toEqual(["messages-100:fresh"]);
    view.close();
  });

  test("mistakes speak up: an unknown stream, an item without id, a bad at", async () => {
    const Bad = defineLiveView<{ streams: Record<string, LiveStream> }>({
      mount(_p, _s, socket) {
        socket.stream("rows", []);
      },
      events: {
        unknown(_v, socket) {
          socket.streamInsert("nope", { id: 1 });
        },
      },
      render: ({ streams }) =>
        html`<div id="rows" phx-update="stream">${streams.rows.map(([id]) => html`<p id="${id}"></p>`)}</div>`,
    });
    const view = await liveIsolated(Bad);
    await expect(view.click("unknown")).rejects.toThrow();
    expect(view.status).toBe("crashed");
    const NoId = defineLiveView({
      mount(_p, _s, socket) {
        socket.stream("rows", [{ name: "x" }]);
      },
      render: () => html`<div></div>`,
    });
    await expect(liveIsolated(NoId)).rejects.toThrow(/no id; give the stream a domId/);
  });

  test("streaming 100,000 rows in pages keeps the server's heap bounded by a page", async () => {
    const PAGE = 1_000;
    const Feed = defineLiveView<{
      streams: { rows: LiveStream<{ id: number; body: string }> };
      page: number;
    }>({
      mount(_p, _s, socket) {
        socket.assign({ page: 0 });
        socket.stream("rows", []);
      },
      events: {
        more(_v, socket) {
          const page = socket.assigns.page + 1;
          const rows = Array.from({ length: PAGE }, (_, i) => ({
            id: (page - 1) * PAGE + i,
            body: `row ${(page - 1) * PAGE + i} ${"x".repeat(100)}`,
          }));
          socket.assign({ page });
          // Appended with a limit: the page (and this test's own client) keeps the last page's rows.
          socket.stream("rows", rows, { limit: -PAGE });
        },
      },
      render: ({ streams }) =>
        html`<table><tbody id="rows" phx-update="stream">${streams.rows.map(([id, r]) => html`<tr id="${id}"><td>${r.body}</td></tr>`)}</tbody></table>`,
    });
    const view = await liveIsolated(Feed);
    for (let i = 0; i < 5; i++) await view.click("more");
    const before = await settledHeap();
    for (let i = 5; i < 100; i++) await view.click("more");
    const after = await settledHeap();
    // The last page on the page, and nothing of the one before.
    expect(view.html().includes("row 99999 ")).toBe(true);
    expect(view.html().includes("row 98999 ")).toBe(false);
    // 95 more pages of ~130 kB each (12 MB) went through; what stays is one page's cost, whatever the count.
    expect(after - before).toBeLessThan(4 * 1024 * 1024);
    view.close();
    // 100 renders, diffs and client applies of 1,000 rows: seconds alone, far more on a loaded machine.
  }, 120_000);
});
