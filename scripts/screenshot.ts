/**
 * `npm run screenshot`: docs/deploy-demo.png, two browser windows on the deploy demo mid-deploy, and
 * docs/dashboard.png, the demo's /dashboard home page right after.
 *
 * Starts the demo as `npm start` does (on a free port, slow steps so the moment is easy to catch), opens two
 * windows in headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH), clicks "Deploy to GitHub" in
 * the first, waits until both show "Creating repo", captures both at once, and lays the two captures side by
 * side on a third page, whose screenshot is the PNG.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, ROOT } from "./browser.js";

const MAIN = resolve(ROOT, "apps/deploy-demo/dist/main.js");
const OUT = resolve(ROOT, "docs/deploy-demo.png");
const DASHBOARD_OUT = resolve(ROOT, "docs/dashboard.png");
const VIEWPORT = { width: 600, height: 430 };

/** Starts a demo node; resolves with its URL once it prints its startup line. */
function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", NODE_NAME: "a", PUBSUB: "local", DEPLOY_STEP_MS: "1500" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolvePromise, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the demo did not start within 20 s:\n${out}`)), 20_000);
    child.once("exit", (code) => reject(new Error(`the demo exited (${code}) before starting:\n${out}`)));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      process.stdout.write(chunk);
      const m = /on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, url: `http://127.0.0.1:${m[1]}/` });
      }
    });
  });
}

async function openWindow(browser: Browser, url: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector("[data-phx-main].phx-connected");
  return page;
}

function showsStatus(page: Page, text: string): Promise<unknown> {
  return page.waitForFunction(
    (t) => document.querySelector("main.deploy span")?.closest("p")?.textContent?.includes(t) ?? false,
    text,
    { timeout: 20_000 },
  );
}

async function main(): Promise<void> {
  const demo = await startDemo();
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    const [w1, w2] = [await openWindow(browser, demo.url), await openWindow(browser, demo.url)];
    // Both windows count each other before the shot.
    await Promise.all(
      [w1, w2].map((w) => w.waitForFunction(() => document.body.textContent?.includes("2 watching"))),
    );

    await w1.getByRole("button", { name: "Deploy to GitHub" }).click();
    await Promise.all([showsStatus(w1, "Creating repo"), showsStatus(w2, "Creating repo")]);
    const [shot1, shot2] = await Promise.all([w1.screenshot(), w2.screenshot()]);

    // Side by side, each under a caption, on a page of its own.
    const board = await browser.newPage({
      viewport: { width: VIEWPORT.width * 2 + 60, height: VIEWPORT.height + 70 },
    });
    const img = (png: Buffer) => `data:image/png;base64,${png.toString("base64")}`;
    await board.setContent(`<!DOCTYPE html>
<html><body style="margin:0;padding:20px;background:#d0d7de;font:14px system-ui,sans-serif;display:flex;gap:20px">
  <figure style="margin:0"><figcaption style="margin-bottom:6px">Window 1: clicked "Deploy to GitHub"</figcaption>
    <img src="${img(shot1)}" width="${VIEWPORT.width}" height="${VIEWPORT.height}" style="display:block;box-shadow:0 2px 8px #0004"></figure>
  <figure style="margin:0"><figcaption style="margin-bottom:6px">Window 2: another viewer, updated live</figcaption>
    <img src="${img(shot2)}" width="${VIEWPORT.width}" height="${VIEWPORT.height}" style="display:block;box-shadow:0 2px 8px #0004"></figure>
</body></html>`);
    await board.waitForFunction(() =>
      Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0),
    );
    mkdirSync(dirname(OUT), { recursive: true });
    await board.screenshot({ path: OUT });
    console.log(`wrote ${OUT}`);

    // The dashboard of the same node, once its sparklines hold a few seconds of samples.
    const dash = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
    await dash.goto(`${demo.url}dashboard`);
    await dash.waitForFunction(
      () => (document.querySelector("polyline")?.getAttribute("points")?.split(" ").length ?? 0) >= 8,
      null,
      { timeout: 30_000 },
    );
    await dash.screenshot({ path: DASHBOARD_OUT });
    console.log(`wrote ${DASHBOARD_OUT}`);
  } finally {
    await browser?.close();
    demo.child.kill("SIGTERM");
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
