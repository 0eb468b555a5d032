/**
 * Development's live reload in a real Chromium: a page reloads by itself when the server is restarted (the
 * dev runner's job on a code change) and swaps its stylesheets when a watched `.css` file changes; in
 * production the endpoint serves neither the script nor its event stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEndpoint,
  createLogger,
  defineLiveView,
  type Endpoint,
  html,
  type Layout,
} from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium, openConnected } from "../helpers/chromium.js";

const Page = defineLiveView({
  mount: () => {},
  render: () => html`<p id="hello">hello</p>`,
});

const layout: Layout = ({ head, content }) =>
  html`<!DOCTYPE html><html><head>${head}<link rel="stylesheet" href="/app.css"></head><body>${content}</body></html>`;

describe.runIf(chromiumAvailable())("live reload", () => {
  let browser: Browser;
  let pubsub: PubSub;
  let watched: string;
  const endpoints: Endpoint[] = [];
  const env = process.env.NODE_ENV;

  const start = async (port = 0): Promise<{ endpoint: Endpoint; port: number }> => {
    const endpoint = createEndpoint({
      routes: { "/": Page },
      pubsub,
      secret: "live reload test secret, 32 characters or more",
      logger: createLogger({ level: "error" }),
      layout,
      liveReload: { watch: [watched] },
    });
    endpoints.push(endpoint);
    return { endpoint, port: await endpoint.listen(port, "127.0.0.1") };
  };

  beforeAll(async () => {
    browser = await launchChromium();
    pubsub = await PubSub.start({ name: "live-reload" });
    watched = mkdtempSync(join(tmpdir(), "cinder-live-reload-"));
    writeFileSync(join(watched, "app.css"), "p { color: red }\n");
  }, 60_000);
  afterEach(() => {
    process.env.NODE_ENV = env;
  });
  afterAll(async () => {
    for (const e of endpoints) await e.close();
    await pubsub?.stop();
    await browser?.close();
    rmSync(watched, { recursive: true, force: true });
  });

  test("a page reloads when the server comes back from a restart", async () => {
    const first = await start();
    const page = await openConnected(browser, `http://127.0.0.1:${first.port}/`);
    await page.evaluate(() => {
      (window as any).beforeRestart = true;
    });
    await first.endpoint.close();
    await start(first.port);
    await page.waitForFunction(() => (window as any).beforeRestart === undefined, null, { timeout: 30_000 });
    expect(await page.textContent("#hello")).toBe("hello");
    await page.close();
  }, 90_000);

  test("a changed stylesheet is swapped in place, without a reload", async () => {
    const { port } = await start();
    const page = await openConnected(browser, `http://127.0.0.1:${port}/`);
    await page.evaluate(() => {
      (window as any).beforeChange = true;
    });
    writeFileSync(join(watched, "app.css"), "p { color: blue }\n");
    await page.waitForFunction(
      () => document.querySelector<HTMLLinkElement>('link[rel="stylesheet"]')?.href.includes("vsn="),
      null,
      { timeout: 30_000 },
    );
    expect(await page.evaluate(() => (window as any).beforeChange)).toBe(true);
    await page.close();
  }, 90_000);

  test("in production the endpoint serves neither the script nor its stream, and pages do not load it", async () => {
    process.env.NODE_ENV = "production";
    const { port } = await start();
    const page = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    expect(page).toContain('id="hello"');
    expect(page).not.toContain("live_reload");
    expect((await fetch(`http://127.0.0.1:${port}/live/live_reload.js`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/live/live_reload`)).status).toBe(404);
  });
});
