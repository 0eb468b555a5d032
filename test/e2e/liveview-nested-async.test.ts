/**
 * Async loading states, a nested child view and a sticky view across live navigation, in Chromium with the
 * official client.
 */
import {
  type AsyncResult,
  asyncResult,
  createEndpoint,
  createLogger,
  defineLiveView,
  type Endpoint,
  html,
  link,
  liveRender,
} from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium, openConnected } from "../helpers/chromium.js";
import { SECRET } from "../helpers/liveview.js";

const ok = chromiumAvailable();
let release: (() => void) | null = null;
let stickyMounts = 0;

const Slow = defineLiveView<{ report: AsyncResult<string>; clicks: number }>({
  name: "Slow",
  mount(_p, _s, socket) {
    socket.assign({ clicks: 0 }).assignAsync("report", async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return { report: "42 deploys" };
    });
  },
  events: { click: (_v, socket) => void socket.update("clicks", (n) => n + 1) },
  render: ({ report, clicks }) => html`<button id="click" phx-click="click">clicks ${clicks}</button>
    ${asyncResult(report, {
      loading: () => html`<p id="loading">Loading report…</p>`,
      ok: (r) => html`<p id="report">${r}</p>`,
    })}`,
});

const Counter = defineLiveView<{ n: number; label: string }>({
  name: "NestedCounter",
  mount(_p, session, socket) {
    if (socket.connected && session.label === "player") stickyMounts++;
    socket.assign({ n: 0, label: String(session.label) });
  },
  events: { inc: (_v, socket) => void socket.update("n", (n) => n + 1) },
  render: ({ n, label }) =>
    html`<button id="${label}-inc" phx-click="inc">${label}</button> <b id="${label}-n">${n}</b>`,
});

const player = () => liveRender(Counter, { id: "player", session: { label: "player" }, sticky: true });

const PageA = defineLiveView({
  name: "PageA",
  mount() {},
  render: () => html`<h1 id="title">Page A</h1>
    ${liveRender(Counter, { id: "kid", session: { label: "kid" } })}
    ${link({ navigate: "/b" }, html`<span id="to-b">to B</span>`)}
    ${player()}`,
});

const PageB = defineLiveView({
  name: "PageB",
  mount() {},
  render: () => html`<h1 id="title">Page B</h1>${player()}`,
});

describe.skipIf(!ok)("async loading, nested and sticky views in Chromium with the official client", () => {
  let endpoint: Endpoint;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    const pubsub = await PubSub.start({ name: `lv-nested-e2e-${process.pid}` });
    endpoint = createEndpoint({
      routes: { "/slow": Slow, "/a": PageA, "/b": PageB },
      pubsub,
      secret: SECRET,
      logger: createLogger({ level: "error" }),
    });
    base = `http://127.0.0.1:${await endpoint.listen(0, "127.0.0.1")}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await endpoint?.close();
  });

  test("assignAsync: the page shows the loading state, stays interactive, then shows the result", async () => {
    const page = await openConnected(browser, `${base}/slow`);
    await page.waitForSelector("#loading", { timeout: 30_000 });
    await page.click("#click");
    await page.waitForFunction(() => document.querySelector("#click")?.textContent === "clicks 1", null, {
      timeout: 30_000,
    });
    expect(await page.isVisible("#loading")).toBe(true);
    await expect.poll(() => release !== null, { timeout: 30_000 }).toBe(true);
    release!();
    await page.waitForSelector("#report", { timeout: 30_000 });
    expect(await page.textContent("#report")).toBe("42 deploys");
    expect(await page.isVisible("#loading")).toBe(false);
    await page.close();
  }, 90_000);

  test("a nested child has its own channel; a sticky view survives live navigation", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/a`);
    // Both the nested child and the sticky view join (each its own channel) and take events.
    const joined = (id: string) =>
      page.waitForFunction((i) => document.getElementById(i)?.classList.contains("phx-connected"), id, {
        timeout: 30_000,
      });
    await joined("kid");
    await joined("player");
    expect(await page.getAttribute("#kid", "data-phx-parent-id")).toMatch(/^phx-/);
    await page.click("#kid-inc");
    await page.waitForFunction(() => document.querySelector("#kid-n")?.textContent === "1", null, {
      timeout: 30_000,
    });
    for (let i = 0; i < 3; i++) await page.click("#player-inc");
    await page.waitForFunction(() => document.querySelector("#player-n")?.textContent === "3", null, {
      timeout: 30_000,
    });
    const mounts = stickyMounts;
    // Live navigation to B: the main view changes, the sticky view keeps its process and its state.
    await page.click("#to-b");
    await page.waitForFunction(() => document.querySelector("#title")?.textContent === "Page B", null, {
      timeout: 30_000,
    });
    expect(await page.evaluate(() => location.pathname)).toBe("/b");
    expect(await page.$("#kid")).toBeNull();
    expect(await page.textContent("#player-n")).toBe("3");
    await page.click("#player-inc");
    await page.waitForFunction(() => document.querySelector("#player-n")?.textContent === "4", null, {
      timeout: 30_000,
    });
    expect(stickyMounts).toBe(mounts); // not mounted again
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
