/**
 * The chat app on two nodes over Redis, in Chromium with the official client: Ada on node a and Bob on node
 * b log in by name, see each other in the room (Presence across nodes), see each other's messages, typing and
 * images live, move between rooms without a page load, and open the room's JS-command modal.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { uniquePrefix } from "../helpers/demo.js";
import { REDIS_URL, redisAvailable } from "../helpers/redis.js";

const MAIN = new URL("../../apps/chat/dist/main.js", import.meta.url).pathname;
// A 1x1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

interface ChatNode {
  readonly child: ChildProcess;
  readonly url: string;
}

function startChatNode(node: string, env: NodeJS.ProcessEnv): Promise<ChatNode> {
  const child = spawn(process.execPath, ["--enable-source-maps", MAIN], {
    env: { ...process.env, PORT: "0", NODE_NAME: node, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`chat node ${node} exited (${code}):\n${out}`)));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const m = /on http:\/\/localhost:(\d+)/.exec(out);
      if (m !== null) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
  });
}

async function logIn(browser: Browser, node: ChatNode, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${node.url}/rooms/lobby`);
  await page.waitForURL(/\/login$/, { timeout: 30_000 });
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 30_000 });
  await page.fill("input[name='user[name]']", name);
  await page.press("input[name='user[name]']", "Enter");
  await page.waitForURL(/\/rooms\/lobby$/, { timeout: 30_000 });
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 30_000 });
  expect(await page.textContent("aside")).toContain(`You are ${name}`);
  return page;
}

const until = (page: Page, fn: () => boolean) => page.waitForFunction(fn, null, { timeout: 30_000 });

describe.runIf(chromiumAvailable() && (await redisAvailable("the chat e2e test")))(
  "the chat app on two nodes",
  () => {
    let browser: Browser;
    let uploads: string;
    const nodes: ChatNode[] = [];

    beforeAll(async () => {
      uploads = mkdtempSync(join(tmpdir(), "cinder-chat-e2e-"));
      const env = { PUBSUB: "redis", REDIS_URL, REDIS_PREFIX: uniquePrefix(), UPLOADS_DIR: uploads };
      nodes.push(await startChatNode("chat-a", env), await startChatNode("chat-b", env));
      browser = await launchChromium();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      for (const n of nodes) n.child.kill("SIGTERM");
      rmSync(uploads, { recursive: true, force: true });
    });

    test("two users on two nodes: presence, messages, typing, an image, rooms and the modal", async () => {
      const ada = await logIn(browser, nodes[0], "Ada");
      const bob = await logIn(browser, nodes[1], "Bob");

      // Presence across nodes: each sees the other.
      await until(ada, () => document.querySelector("#here")?.textContent?.includes("Bob") ?? false);
      await until(bob, () => document.querySelector("#here")?.textContent?.includes("Ada") ?? false);

      // Bob types: Ada sees it.
      await bob.fill("#composer input[name=text]", "hel");
      await until(ada, () => document.querySelector("#here")?.textContent?.includes("typing") ?? false);

      // Ada's message reaches Bob's node and page.
      await ada.fill("#composer input[name=text]", "Hello from node a");
      await ada.press("#composer input[name=text]", "Enter");
      await until(
        bob,
        () => document.querySelector("#messages")?.textContent?.includes("Hello from node a") ?? false,
      );

      // An image: picked, previewed, sent, and shown (and loaded) on the other node's page.
      await ada.setInputFiles("#composer input[type=file]", {
        name: "dot.png",
        mimeType: "image/png",
        buffer: PNG,
      });
      await until(ada, () => document.querySelector("#composer .preview img") !== null);
      await ada.click("#composer button:text('Send')");
      await until(bob, () =>
        Array.from(document.querySelectorAll<HTMLImageElement>("#messages img")).some(
          (i) => i.complete && i.naturalWidth === 1 && i.src.includes("/uploads/"),
        ),
      );

      // Another room, by live navigation (no page load), and the room info modal (JS commands).
      await ada.evaluate(() => {
        (window as any).samePage = true;
      });
      await ada.click("aside nav a:text('#dev')");
      await ada.waitForURL(/\/rooms\/dev$/, { timeout: 30_000 });
      await until(ada, () => document.querySelector("h1")?.textContent === "#dev");
      expect(await ada.evaluate(() => (window as any).samePage)).toBe(true);
      expect(await ada.isVisible("#room-info")).toBe(false);
      await ada.click("button:text('Room info')");
      await until(ada, () => getComputedStyle(document.querySelector("#room-info")!).display !== "none");
      await ada.click("#room-info button:text('Close')");
      await until(ada, () => getComputedStyle(document.querySelector("#room-info")!).display === "none");
    }, 180_000);
  },
);
