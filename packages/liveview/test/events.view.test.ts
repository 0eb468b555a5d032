import { describe, expect, test } from "vitest";
import { defineComponent, defineLiveView, html, liveComponent } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";
import { crashReports } from "./support/crash_reports.js";

const Counter = defineLiveView<{ count: number }>({
  name: "Counter",
  mount(_params, _session, socket) {
    socket.assign({ count: 0 });
  },
  events: {
    inc(_value, socket) {
      socket.update("count", (c) => c + 1);
    },
    set(value, socket) {
      socket.assign({ count: Number(value.to) });
      return { reply: { set: value.to } };
    },
  },
  render: ({ count }) => html`<p>Count: ${count}</p>`,
});

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached in 30 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("a view's events map", () => {
  test("routes each event to its entry, with the reply of a hook push", async () => {
    const view = await liveIsolated(Counter);
    expect(await view.click("inc")).toContain("Count: 1");
    expect(await view.hook("set", { to: 41 })).toEqual({ set: 41 });
    expect(await view.click("inc")).toContain("Count: 42");
    view.close();
  });

  test("an event with no handler crashes the view; the error log names the event and the view", async () => {
    const crash = crashReports();
    const view = await liveIsolated(Counter, crash);
    await expect(view.click("dec")).rejects.toThrow(/crashed/);
    expect(view.status).toBe("crashed");
    await until(() => crash.reports.some((l) => l.includes("no handler")));
    const lines = crash.reports.filter((l) => l.includes("no handler"));
    expect(lines).toEqual([
      '[error] Counter has no handler for event "dec": add it to the events map (events: { dec(value, socket) { ... } }) or handle it in handleEvent',
    ]);
    // Logged once, by the view, not again as a runtime crash report with a stack.
    expect(crash.reports.some((l) => l.includes("process <"))).toBe(false);
  });
});

describe("a component's events map", () => {
  const Cart = defineComponent<{ items: number }>({
    name: "Cart",
    mount(socket) {
      socket.assign({ items: 0 });
    },
    events: {
      add(_value, socket) {
        socket.update("items", (n) => n + 1);
      },
    },
    render: ({ id, items, myself }) =>
      html`<div id="${id}"><button phx-click="add" phx-target="${myself}">${items}</button></div>`,
  });
  const Shop = defineLiveView({
    name: "ShopView",
    mount() {},
    render: () => html`<main>${liveComponent(Cart, { id: "cart" })}</main>`,
  });

  test("an event the component has no handler for crashes the view, naming the view and the component", async () => {
    const crash = crashReports();
    const view = await liveIsolated(Shop, crash);
    expect(await view.component("cart").click("add")).toContain(">1<");
    await expect(view.component("cart").click("remove")).rejects.toThrow(/crashed/);
    await until(() => crash.reports.some((l) => l.includes("no handler")));
    expect(crash.reports.filter((l) => l.includes("no handler"))).toEqual([
      '[error] ShopView: component Cart (id "cart") has no handler for event "remove": add it to the events map (events: { remove(value, socket) { ... } }) or handle it in handleEvent',
    ]);
  });
});
