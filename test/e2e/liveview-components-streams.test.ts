/**
 * Live components and streams with the official client in Chromium: two components of one definition
 * targeted separately, `sendUpdate`, the destroy handshake freeing a component's state, and a stream
 * through inserts (end, start, index), an in-place update, a delete, a limit and a reset, each step read
 * from the DOM and compared with what the test harness (`@cinder/liveview/testing`) shows for the same
 * steps.
 */
import {
  defineComponent,
  defineLiveView,
  html,
  type LiveStream,
  liveComponent,
  sendUpdate,
} from "@cinder/liveview";
import { liveIsolated } from "@cinder/liveview/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { type Started, startEndpoint } from "../helpers/liveview.js";

const ok = chromiumAvailable();

const Counter = defineComponent<{ label: string; count: number }>({
  name: "Counter",
  mount(socket) {
    socket.assign({ count: 0 });
  },
  events: {
    inc(_v, socket) {
      socket.update("count", (n) => n + 1);
    },
  },
  render: ({ id, label, count, myself }) =>
    html`<div id="${id}" class="counter"><span class="value">${label}: ${count}</span><button class="inc" phx-click="inc" phx-target="${myself}">+</button></div>`,
});

const Counters = defineLiveView<{ showA: boolean }>({
  name: "Counters",
  mount(_p, _s, socket) {
    socket.assign({ showA: true });
  },
  events: {
    toggle(_v, socket) {
      socket.update("showA", (v) => !v);
    },
    rename(_v) {
      sendUpdate(Counter, "b", { label: "Renamed" });
    },
  },
  render: ({ showA }) =>
    html`<main><button id="toggle" phx-click="toggle">toggle</button><button id="rename" phx-click="rename">rename</button>${
      showA && liveComponent(Counter, { id: "a", label: "A" })
    }${liveComponent(Counter, { id: "b", label: "B" })}</main>`,
});

interface Msg {
  id: number;
  text: string;
}

const Messages = defineLiveView<{ streams: { msgs: LiveStream<Msg> }; next: number }>({
  name: "Messages",
  mount(_p, _s, socket) {
    socket.assign({ next: 3 });
    socket.stream("msgs", [
      { id: 1, text: "one" },
      { id: 2, text: "two" },
    ]);
  },
  events: {
    add(v, socket) {
      const id = socket.assigns.next;
      socket.assign({ next: id + 1 });
      const at = v.at === undefined ? -1 : Number(v.at);
      const limit = v.limit === undefined ? undefined : Number(v.limit);
      socket.streamInsert("msgs", { id, text: `m${id}` }, { at, limit });
    },
    edit(_v, socket) {
      socket.streamInsert("msgs", { id: 1, text: "edited" });
    },
    remove(_v, socket) {
      socket.streamDelete("msgs", { id: 2, text: "" });
    },
    reset(_v, socket) {
      socket.stream("msgs", [{ id: 100, text: "fresh" }], { reset: true });
    },
  },
  render: ({ streams }) =>
    html`<section><button id="add" phx-click="add">add</button><button id="prepend" phx-click="add" phx-value-at="0">prepend</button><button id="at1" phx-click="add" phx-value-at="1">at 1</button><button id="limited" phx-click="add" phx-value-limit="-3">limited</button><button id="edit" phx-click="edit">edit</button><button id="remove" phx-click="remove">remove</button><button id="reset" phx-click="reset">reset</button><button id="top2" phx-click="add" phx-value-at="0" phx-value-limit="2">top 2</button><ul id="msgs" phx-update="stream">${streams.msgs.map(
      ([domId, m]) => html`<li id="${domId}">${m.text}</li>`,
    )}</ul></section>`,
});

/** The stream's children as `id:text`, in page order. */
const children = (h: string) =>
  [...h.matchAll(/<li id="([^"]+)">([^<]*)<\/li>/g)].map((m) => `${m[1]}:${m[2]}`);

describe.skipIf(!ok)("live components and streams in Chromium with the official client", () => {
  let started: Started;
  let browser: Browser;

  beforeAll(async () => {
    started = await startEndpoint(() => ({ "/": Counters, "/messages": Messages }));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await started?.endpoint.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[]; frames: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const frames: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("websocket", (ws) => ws.on("framereceived", (f) => frames.push(String(f.payload))));
    await page.goto(started.base + path);
    await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 30_000 });
    return { page, errors, frames };
  }

  const text = (page: Page, sel: string) => page.locator(sel).textContent({ timeout: 30_000 });
  const until = async (cond: () => Promise<boolean> | boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  test("two components of one definition, targeted separately; sendUpdate; a removed one is freed", async () => {
    const { page, errors, frames } = await open("/");
    await page.click("#b .inc");
    await page.click("#b .inc");
    await until(async () => (await text(page, "#b .value")) === "B: 2", "B: 2");
    expect(await text(page, "#a .value")).toBe("A: 0");
    await page.click("#a .inc");
    await until(async () => (await text(page, "#a .value")) === "A: 1", "A: 1");
    expect(await text(page, "#b .value")).toBe("B: 2");
    // The client stamped the roots with their cids, and they differ.
    const cidA = await page.getAttribute("#a", "data-phx-component");
    const cidB = await page.getAttribute("#b", "data-phx-component");
    expect(cidA).not.toBeNull();
    expect(cidA).not.toBe(cidB);

    await page.click("#rename");
    await until(async () => (await text(page, "#b .value")) === "Renamed: 2", "Renamed: 2");

    // Removing "a": the client runs the destroy handshake; the server's reply to cids_destroyed names it.
    await page.click("#toggle");
    await page.waitForSelector("#a", { state: "detached", timeout: 30_000 });
    await until(
      () => frames.some((f) => f.includes('"phx_reply"') && f.includes(`"cids":[${cidA}]`)),
      "the reply to cids_destroyed",
    );
    // Placed again it mounts afresh: its state was freed.
    await page.click("#toggle");
    await until(async () => (await page.locator("#a .value").count()) === 1, "a back");
    expect(await text(page, "#a .value")).toBe("A: 0");
    expect(await text(page, "#b .value")).toBe("Renamed: 2");
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  test("a stream through inserts, an update, a delete, a limit and a reset, as the harness shows it", async () => {
    const { page, errors } = await open("/messages");
    const harness = await liveIsolated(Messages);
    const dom = () =>
      page.locator("#msgs").evaluate((ul) => ul.outerHTML.replace(/ data-phx-stream="\d+"/g, ""));
    const steps: [button: string, event: string, value: Record<string, unknown>, expected: string[]][] = [
      ["#add", "add", {}, ["msgs-1:one", "msgs-2:two", "msgs-3:m3"]],
      ["#prepend", "add", { at: "0" }, ["msgs-4:m4", "msgs-1:one", "msgs-2:two", "msgs-3:m3"]],
      ["#at1", "add", { at: "1" }, ["msgs-4:m4", "msgs-5:m5", "msgs-1:one", "msgs-2:two", "msgs-3:m3"]],
      ["#edit", "edit", {}, ["msgs-4:m4", "msgs-5:m5", "msgs-1:edited", "msgs-2:two", "msgs-3:m3"]],
      ["#remove", "remove", {}, ["msgs-4:m4", "msgs-5:m5", "msgs-1:edited", "msgs-3:m3"]],
      ["#limited", "add", { limit: "-3" }, ["msgs-1:edited", "msgs-3:m3", "msgs-6:m6"]],
      ["#reset", "reset", {}, ["msgs-100:fresh"]],
      ["#add", "add", {}, ["msgs-100:fresh", "msgs-7:m7"]],
      // A positive limit keeps the first n.
      ["#top2", "add", { at: "0", limit: "2" }, ["msgs-8:m8", "msgs-100:fresh"]],
    ];
    expect(children(await dom())).toEqual(["msgs-1:one", "msgs-2:two"]);
    expect(children(harness.html())).toEqual(["msgs-1:one", "msgs-2:two"]);
    for (const [button, event, value, expected] of steps) {
      await page.click(button);
      await until(
        async () => JSON.stringify(children(await dom())) === JSON.stringify(expected),
        `${button}: ${expected}`,
      );
      await harness.click(event, value);
      expect(children(harness.html())).toEqual(expected);
    }
    harness.close();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
