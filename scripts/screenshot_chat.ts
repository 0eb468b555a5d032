/**
 * `npm run screenshot:chat`: docs/chat.png, two people in the chat app's lobby, side by side.
 *
 * Starts one chat node on a free port, logs Ada and Bob in from two browser contexts of headless Chromium
 * (Debian's /usr/bin/chromium, or CHROMIUM_PATH), has them exchange messages and an image, and lays the two
 * windows side by side on a third page, whose screenshot is the PNG.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, ROOT } from "./browser.js";

const OUT = resolve(ROOT, "docs/chat.png");
const VIEWPORT = { width: 760, height: 520 };
// A small orange square, as the image Bob sends.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGElEQVR42mP8z8BQz0AEYBxVSF+FAP5FDvcfRYWgAAAAAElFTkSuQmCC",
  "base64",
);

async function main(): Promise<void> {
  const child = spawn(process.execPath, [resolve(ROOT, "apps/chat/dist/main.js")], {
    env: {
      ...process.env,
      PORT: "0",
      UPLOADS_DIR: mkdtempSync(join(tmpdir(), "chat-shot-")),
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolveUrl) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const m = /on http:\/\/localhost:(\d+)/.exec(out);
      if (m) resolveUrl(`http://127.0.0.1:${m[1]}`);
    });
  });
  let browser: Browser | null = null;
  try {
    browser = await launchBrowser();
    const login = async (name: string): Promise<Page> => {
      const page = await (await browser!.newContext({ viewport: VIEWPORT })).newPage();
      await page.goto(`${url}/login`);
      await page.waitForSelector("[data-phx-main].phx-connected");
      await page.fill("input[name='user[name]']", name);
      await page.press("input[name='user[name]']", "Enter");
      await page.waitForURL(/\/rooms\/lobby$/);
      await page.waitForSelector("[data-phx-main].phx-connected");
      return page;
    };
    const ada = await login("Ada");
    const bob = await login("Bob");
    const say = async (page: Page, text: string) => {
      await page.fill("#composer input[name=text]", text);
      await page.press("#composer input[name=text]", "Enter");
      await page.waitForFunction((t) => document.querySelector("#messages")?.textContent?.includes(t), text);
    };
    await say(ada, "Hi Bob! The deploy went through on both nodes.");
    await say(bob, "Saw it live. Here is the build badge:");
    await bob.setInputFiles("#composer input[type=file]", {
      name: "badge.png",
      mimeType: "image/png",
      buffer: PNG,
    });
    await bob.waitForSelector("#composer .preview img");
    await bob.click("#composer button:text('Send')");
    await ada.waitForFunction(() => document.querySelector("#messages img") !== null);
    await ada.fill("#composer input[name=text]", "Nice");
    await bob.waitForFunction(() => document.querySelector("#here")?.textContent?.includes("typing"));
    const [a, b] = await Promise.all([ada.screenshot(), bob.screenshot()]);
    const board = await browser.newPage({
      viewport: { width: VIEWPORT.width * 2 + 60, height: VIEWPORT.height + 70 },
    });
    const img = (png: Buffer) => `data:image/png;base64,${png.toString("base64")}`;
    await board.setContent(`<!DOCTYPE html><html><body style="margin:0;padding:20px;background:#d0d7de;font:14px system-ui,sans-serif;display:flex;gap:20px">
  <figure style="margin:0"><figcaption style="margin-bottom:6px">Ada</figcaption><img src="${img(a)}" width="${VIEWPORT.width}" style="display:block;box-shadow:0 2px 8px #0004"></figure>
  <figure style="margin:0"><figcaption style="margin-bottom:6px">Bob</figcaption><img src="${img(b)}" width="${VIEWPORT.width}" style="display:block;box-shadow:0 2px 8px #0004"></figure>
</body></html>`);
    await board.waitForFunction(() =>
      Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0),
    );
    await board.screenshot({ path: OUT });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser?.close();
    child.kill("SIGTERM");
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
