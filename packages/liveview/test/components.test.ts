import { self, spawn, stop } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import {
  type Component,
  defineComponent,
  defineLiveView,
  html,
  keyed,
  type LiveStream,
  liveComponent,
  sendUpdate,
  sendUpdateAfter,
} from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";

// Live components through the real path (dead render, join, view process, diff engine, JSON frames),
// read back with the harness's client model, which is checked against the official client elsewhere.

const Counter = defineComponent<{ label: string; count: number }>({
  name: "Counter",
  mount(socket) {
    socket.assign({ count: 0 });
  },
  events: {
    inc(_value, socket) {
      socket.update("count", (n) => n + 1);
    },
  },
  render: ({ id, label, count, myself }) =>
    html`<div id="${id}"><button phx-click="inc" phx-target="${myself}">${label}: ${count}</button></div>`,
});

describe("live components", () => {
  test("two components of one definition keep their own state; an event reaches only its target", async () => {
    let renders = 0;
    const Page = defineLiveView<{ title: string }>({
      mount: (_p, _s, socket) => {
        socket.assign({ title: "Fruit" });
      },
      render: ({ title }) => {
        renders++;
        return html`<main><h1>${title}</h1>${liveComponent(Counter, { id: "a", label: "Apples" })}${liveComponent(
          Counter,
          { id: "b", label: "Pears" },
        )}</main>`;
      },
    });
    const view = await liveIsolated(Page);
    expect(view.html()).toContain("Apples: 0");
    expect(view.html()).toContain("Pears: 0");
    const before = renders;
    await view.component("b").click("inc");
    await view.component("b").click("inc");
    expect(view.component("b").html()).toContain("Pears: 2");
    expect(view.component("a").html()).toContain("Apples: 0");
    // The parent did not render again: a component's change is the component's alone.
    expect(renders).toBe(before);
    view.close();
  });

  test("the harness targets a component by its root's DOM id and reads its HTML", async () => {
    const Page = defineLiveView({
      mount: () => {},
      render: () =>
        html`<main>${liveComponent(Counter, { id: "a", label: "A" })}${liveComponent(Counter, { id: "b", label: "B" })}</main>`,
    });
    const view = await liveIsolated(Page);
    const { cid } = view.component("b");
    await view.component("b").click("inc");
    expect(view.component("b").html()).toBe(
      `<div data-phx-component="${cid}" id="b"><button phx-click="inc" phx-target="${cid}">B: 1</button></div>`,
    );
    view.close();
  });

  test("sendUpdate from the view's process and from another process; sendUpdateAfter", async () => {
    const Page = defineLiveView<{ n: number }>({
      mount: (_p, _s, socket) => {
        socket.assign({ n: 0 });
      },
      handleEvent(event) {
        if (event === "rename") sendUpdate(Counter, "a", { label: "Renamed" });
        if (event === "later") sendUpdateAfter(Counter, "a", { label: "Later" }, 5);
        if (event === "spawn") {
          const viewPid = self();
          spawn(
            {
              init: () => {
                sendUpdate(viewPid, Counter, "a", { label: "From elsewhere" });
                return stop("normal");
              },
            },
            null,
          );
        }
      },
      render: () => html`<main>${liveComponent(Counter, { id: "a", label: "Start" })}</main>`,
    });
    const view = await liveIsolated(Page);
    await view.click("rename");
    await view.waitFor("Renamed: 0");
    await view.click("later");
    await view.waitFor("Later: 0");
    await view.click("spawn");
    await view.waitFor("From elsewhere: 0");
    view.close();
  });

  test("a component the page drops is freed by the destroy handshake; placed again it starts afresh", async () => {
    let mounts = 0;
    const Item = defineComponent<{ name: string }>({
      mount() {
        mounts++;
      },
      render: ({ id, name }) => html`<li id="${id}">${name}</li>`,
    });
    const Page = defineLiveView<{ names: string[] }>({
      mount: (_p, _s, socket) => {
        socket.assign({ names: ["x", "y", "z"] });
      },
      handleEvent(event, value, socket) {
        if (event === "set") socket.assign({ names: String(value.names).split(",").filter(Boolean) });
      },
      render: ({ names }) =>
        html`<ul>${names.map((n) => keyed(n, html`<i>${liveComponent(Item, { id: `item-${n}`, name: n })}</i>`))}</ul>`,
    });
    const view = await liveIsolated(Page);
    const mountsAfterJoin = mounts;
    expect(view.cids.length).toBe(3);
    await view.click("set", { names: "x" });
    // The handshake runs after the reply: wait until the client forgot the two components.
    await waitUntil(() => view.cids.length === 1);
    expect(view.html()).toBe(`<ul><i><li data-phx-component="${view.cids[0]}" id="item-x">x</li></i></ul>`);
    await view.click("set", { names: "x,y" });
    expect(view.html()).toContain(">y</li>");
    // y was freed, so it mounted again.
    expect(mounts).toBe(mountsAfterJoin + 1);
    view.close();
  });

  test("components of one definition updated by one render run updateMany once", async () => {
    const batches: number[] = [];
    const Row: Component<{ v: number }> = defineComponent<{ v: number }>({
      updateMany(updates) {
        batches.push(updates.length);
        for (const [assigns, socket] of updates) socket.assign(assigns);
      },
      render: ({ id, v }) => html`<p id="${id}">${v}</p>`,
    });
    const Page = defineLiveView<{ v: number }>({
      mount: (_p, _s, socket) => {
        socket.assign({ v: 1 });
      },
      handleEvent(_e, _v, socket) {
        socket.update("v", (v) => v + 1);
      },
      render: ({ v }) =>
        html`<div>${[1, 2, 3, 4].map((i) => html`<span>${liveComponent(Row, { id: i, v: v * i })}</span>`)}</div>`,
    });
    const view = await liveIsolated(Page);
    batches.length = 0;
    await view.click("bump");
    expect(batches).toEqual([4]);
    expect(view.html()).toContain(">8</p>");
    view.close();
  });

  test("an event for a component without a handler crashes the view, naming the event and the component", async () => {
    const Plain = defineComponent({ render: () => html`<p>plain</p>` });
    const Page = defineLiveView({
      mount: () => {},
      render: () => html`<div>${liveComponent(Plain, { id: 1 })}</div>`,
    });
    const view = await liveIsolated(Page);
    await expect(view.component(view.cids[0]).click("nope")).rejects.toThrow();
    expect(view.status).toBe("crashed");
  });

  test("a component keeps a stream of its own; its assigns are frozen in development and test", async () => {
    const Log = defineComponent<{ streams: { lines: LiveStream<{ id: number; text: string }> }; n: number }>({
      mount(socket) {
        socket.assign({ n: 1 });
        socket.stream("lines", [{ id: 0, text: "start" }]);
      },
      events: {
        add(_v, socket) {
          const n = socket.assigns.n;
          socket.assign({ n: n + 1 });
          socket.streamInsert("lines", { id: n, text: `line ${n}` }, { at: 0, limit: 2 });
        },
        mutate(_v, socket) {
          socket.assign({ list: [1] } as any);
          ((socket.assigns as any).list as number[]).push(2);
        },
      },
      render: ({ id, streams, myself }) =>
        html`<div id="${id}" phx-target="${myself}"><ol id="${id}-lines" phx-update="stream">${streams.lines.map(
          ([domId, l]) => html`<li id="${domId}">${l.text}</li>`,
        )}</ol></div>`,
    });
    const Page = defineLiveView({
      mount: () => {},
      render: () => html`<main>${liveComponent(Log, { id: "log" })}</main>`,
    });
    const view = await liveIsolated(Page);
    const log = view.component("log");
    await log.click("add");
    await log.click("add");
    expect([...log.html().matchAll(/<li id="([^"]+)">/g)].map((m) => m[1])).toEqual(["lines-2", "lines-1"]);
    await expect(log.click("mutate")).rejects.toThrow();
    expect(view.status).toBe("crashed");
  });

  test("a component template without a single root element is refused with a clear error", async () => {
    const Bad = defineComponent({ render: () => html`text ${1}` });
    const Page = defineLiveView({
      mount: () => {},
      render: () => html`<div>${liveComponent(Bad, { id: 1 })}</div>`,
    });
    await expect(liveIsolated(Page)).rejects.toThrow(/single static root element/);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setImmediate(r));
  }
}
