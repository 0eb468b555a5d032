/**
 * An event the view has no handler for, sent by the official client in a real Chromium: the view crashes (as
 * Phoenix's FunctionClauseError does), the client shows the error and rejoins, the view mounts afresh, and the
 * server's log names the event and the view at `error`.
 */
import { defineLiveView, html } from "@cinder/liveview";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium, openConnected } from "../helpers/chromium.js";
import { type Started, startEndpoint } from "../helpers/liveview.js";

let mounts = 0;
const Counter = defineLiveView<{ count: number; mount: number }>({
  name: "CounterView",
  mount(_params, _session, socket) {
    socket.assign({ count: 0, mount: ++mounts });
  },
  events: {
    inc(_value, socket) {
      socket.update("count", (n) => n + 1);
    },
  },
  render: ({ count, mount }) => html`<p id="count">${count}</p><p id="mount">${mount}</p>
    <button id="inc" phx-click="inc">+</button><button id="typo" phx-click="increment">typo</button>`,
});

describe.runIf(chromiumAvailable())("an event with no handler, from the official client", () => {
  let browser: Browser;
  let s: Started;

  beforeAll(async () => {
    browser = await launchChromium();
    s = await startEndpoint(() => ({ "/": Counter }));
  }, 60_000);
  afterAll(async () => {
    await s?.endpoint.close();
    await browser?.close();
  });

  test("crashes the view, the client rejoins to a fresh mount, the log names the event and the view", async () => {
    const page = await openConnected(browser, `${s.base}/`);
    await page.waitForSelector(".phx-connected", { timeout: 30_000 });
    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "1", null, {
      timeout: 30_000,
    });
    const mountBefore = Number(await page.textContent("#mount"));

    await page.click("#typo");
    // The rejoin mounts the view again: a new mount number and the count back at 0.
    await page.waitForFunction(
      (before) => Number(document.querySelector("#mount")?.textContent) > before,
      mountBefore,
      { timeout: 30_000 },
    );
    await page.waitForSelector(".phx-connected", { timeout: 30_000 });
    expect(await page.textContent("#count")).toBe("0");
    // And it works again.
    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "1", null, {
      timeout: 30_000,
    });

    const line = s.logs.find((l) => l.includes("has no handler for event"));
    expect(line).toBe(
      '[error] CounterView has no handler for event "increment": add it to the events map (events: { increment(value, socket) { ... } }) or handle it in handleEvent',
    );
    // The crash is the client's to see as phx_error, and no runtime crash report with a stack is written.
    expect(s.crashes.filter((l) => l.includes("increment"))).toEqual([]);
    await page.close();
  }, 120_000);
});
