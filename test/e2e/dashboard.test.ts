/**
 * The dashboard in Chromium with the official client: the home page's charts move as samples arrive, the
 * processes page sorts by a column (a live patch) and opens a process (a live navigation).
 */
import { createRuntime } from "@cinder/actors";
import { dashboard } from "@cinder/dashboard";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium, openConnected } from "../helpers/chromium.js";
import { SECRET } from "../helpers/liveview.js";

describe.runIf(chromiumAvailable())("the dashboard in a browser", () => {
  let browser: Browser;
  let pubsub: PubSub;
  let endpoint: Endpoint;
  let base: string;

  beforeAll(async () => {
    const rt = createRuntime({ processTable: true, logger: () => {} });
    // Something to look at: a process that never reads its mail, so its mailbox grows.
    const busy = rt.spawn(() => new Promise(() => {}), undefined, { name: "busy" });
    for (let i = 0; i < 25; i++) rt.send(busy, { job: i });
    pubsub = await PubSub.start({ name: "dashboard-e2e", runtime: rt });
    endpoint = createEndpoint({
      routes: [dashboard({ runtime: rt, pubsub })],
      pubsub,
      secret: SECRET,
      runtime: rt,
      logger: createLogger({ level: "error" }),
    });
    base = `http://127.0.0.1:${await endpoint.listen(0, "127.0.0.1")}`;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await endpoint?.close();
    await pubsub?.stop();
  });

  test("the home page's charts update by themselves", async () => {
    const page = await openConnected(browser, `${base}/dashboard`);
    const points = () =>
      page.evaluate(() => document.querySelector("polyline")?.getAttribute("points") ?? "");
    await page.waitForFunction(() => document.querySelector("polyline") !== null, null, { timeout: 30_000 });
    const first = await points();
    await page.waitForFunction(
      (before) => document.querySelector("polyline")?.getAttribute("points") !== before,
      first,
      { timeout: 30_000 },
    );
    expect(await points()).not.toBe(first);
    await page.close();
  }, 90_000);

  test("the processes page sorts by mailbox and opens a process", async () => {
    const page = await openConnected(browser, `${base}/dashboard/processes`);
    await page.click("th a:text('Mailbox')");
    await page.waitForFunction(() => location.search.includes("sort=mailbox"), null, { timeout: 30_000 });
    await page.waitForFunction(
      () => document.querySelector("tbody tr td:nth-child(2)")?.textContent === "busy",
      null,
      { timeout: 30_000 },
    );
    await page.click("tbody tr:first-child td:first-child a");
    await page.waitForFunction(() => document.querySelector("h1")?.textContent?.includes("(busy)"), null, {
      timeout: 30_000,
    });
    expect(await page.textContent("body")).toContain("{ job: 0 }"); // the first messages waiting
    await page.close();
  }, 90_000);
});
