/**
 * File uploads in Chromium with the official client, unchanged: it picks files into `liveFileInput`,
 * preflights them, sends their chunks over `lvu:` channels and reports progress; the view checks sizes,
 * types and counts, and consumes what arrived.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defineComponent,
  defineLiveView,
  html,
  liveComponent,
  liveFileInput,
  type UploadEntry,
  uploadErrors,
} from "@cinder/liveview";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { type Started, startEndpoint } from "../helpers/liveview.js";

const ok = chromiumAvailable();

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Progress reports the view's `progress` callback saw, as `name:ref:progress`. */
const progress: string[] = [];

const line = (e: UploadEntry, errors: string[]) =>
  html`<li class="entry" data-ref="${e.ref}">${`${e.clientName}|${e.clientSize}|${e.progress}|${errors.join(",")}`}</li>`;

/** A form upload: files are picked, checked on change, uploaded on submit, then hashed on the server. */
const FormUpload = defineLiveView<{ saved: string[] }>({
  mount(_p, _s, socket) {
    socket.assign({ saved: [] });
    socket.allowUpload("docs", {
      accept: [".bin", ".txt"],
      maxEntries: 2,
      maxFileSize: 6_000_000,
      chunkSize: 64_000,
      progress: (name, entry) => {
        progress.push(`${name}:${entry.clientName}:${entry.progress}`);
      },
    });
  },
  async handleEvent(event, value, socket) {
    if (event === "cancel") socket.cancelUpload("docs", value.ref);
    if (event === "save") {
      const saved = await socket.consumeUploadedEntries("docs", async ({ path }: { path: string }, e) => {
        const bytes = await readFile(path);
        return `${e.clientName} ${bytes.length} ${createHash("sha256").update(bytes).digest("hex")}`;
      });
      socket.assign({ saved });
    }
  },
  render: ({ uploads, saved }) => {
    const docs = uploads!.docs!;
    return html`<div id="drop" phx-drop-target="${docs.ref}">
      <form id="f" phx-change="validate" phx-submit="save">
        ${liveFileInput(docs)}<button id="save" type="submit">Save</button>
      </form>
      <ul id="entries">${docs.entries.map((e) => line(e, uploadErrors(docs, e)))}</ul>
      <p id="too-many">${uploadErrors(docs).join(",")}</p>
      <ul id="saved">${saved.map((s) => html`<li>${s}</li>`)}</ul>
    </div>`;
  },
});

/** The same inside a live component: its form targets the component, which owns the upload. */
const Uploader = defineComponent<{ saved: string[] }>({
  name: "Uploader",
  mount(socket) {
    socket.assign({ saved: [] });
    socket.allowUpload("file", { accept: "any", chunkSize: 16_000, maxFileSize: 1_000_000 });
  },
  async handleEvent(event, _value, socket) {
    if (event !== "save") return;
    const saved = await socket.consumeUploadedEntries("file", async ({ path }: { path: string }, e) => {
      const bytes = await readFile(path);
      return `${e.clientName} ${bytes.length} ${sha(bytes)}`;
    });
    socket.assign({ saved });
  },
  render: ({ uploads, saved, myself }) => html`<div id="uploader">
    <form id="cf" phx-change="validate" phx-submit="save" phx-target="${myself}">
      ${liveFileInput(uploads!.file!)}<button id="csave" type="submit">Save</button>
    </form>
    <ul id="centries">${uploads!.file!.entries.map((e) => html`<li>${`${e.clientName} ${e.progress}`}</li>`)}</ul>
    <ul id="csaved">${saved.map((x) => html`<li>${x}</li>`)}</ul>
  </div>`,
});

const ComponentHost = defineLiveView({
  mount() {},
  render: () => html`<main>${liveComponent(Uploader, { id: "up" })}</main>`,
});

describe.skipIf(!ok)("uploads in Chromium with the official client", () => {
  let s: Started;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [s, browser] = await Promise.all([
      startEndpoint(() => ({ "/": FormUpload, "/component": ComponentHost })),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.endpoint.close();
  });

  async function open(path = "/"): Promise<Page> {
    const page = await browser.newPage();
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(s.base + path);
    await page.waitForSelector("[data-phx-main].phx-connected");
    return page;
  }

  test("a 5 MB file goes up in chunks; the view reports its size and SHA-256", async () => {
    const page = await open();
    const bytes = randomBytes(5 * 1024 * 1024);
    progress.length = 0;
    await page
      .locator("input[type=file]")
      .setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: bytes });
    await page.waitForSelector("#entries li.entry");
    await page.click("#save");
    await page.waitForSelector("#saved li", { timeout: 60_000 });
    expect(await page.locator("#saved li").allTextContents()).toEqual([
      `big.bin ${bytes.length} ${sha(bytes)}`,
    ]);
    // 82 chunks of 64 KB: the client reported progress many times on the way, never 100 before the end.
    const steps = progress.filter((p) => p.startsWith("docs:big.bin:")).map((p) => Number(p.split(":")[2]));
    expect(new Set(steps).size).toBeGreaterThan(10);
    expect(steps.at(-1)).toBe(100);
    expect(steps.slice(0, -1).every((p) => p < 100)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 90_000);

  test("two files at once, each with progress reports, both consumed", async () => {
    const page = await open();
    const [a, b] = [randomBytes(400_000), randomBytes(250_000)];
    progress.length = 0;
    await page.locator("input[type=file]").setInputFiles([
      { name: "a.bin", mimeType: "application/octet-stream", buffer: a },
      { name: "b.txt", mimeType: "text/plain", buffer: b },
    ]);
    await page.waitForFunction(() => document.querySelectorAll("#entries li.entry").length === 2);
    await page.click("#save");
    await page.waitForFunction(() => document.querySelectorAll("#saved li").length === 2, null, {
      timeout: 60_000,
    });
    expect((await page.locator("#saved li").allTextContents()).sort()).toEqual(
      [`a.bin ${a.length} ${sha(a)}`, `b.txt ${b.length} ${sha(b)}`].sort(),
    );
    for (const name of ["a.bin", "b.txt"]) {
      const steps = progress.filter((p) => p.startsWith(`docs:${name}:`)).map((p) => Number(p.split(":")[2]));
      expect(steps.length).toBeGreaterThan(1);
      expect(steps.at(-1)).toBe(100);
    }
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 90_000);

  test("a file too large, one of a type not accepted, and one too many show their errors", async () => {
    const page = await open();
    await page.locator("input[type=file]").setInputFiles([
      { name: "huge.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(6_000_001) },
      { name: "photo.png", mimeType: "image/png", buffer: Buffer.alloc(10) },
    ]);
    await page.waitForFunction(() => document.querySelectorAll("#entries li.entry").length === 2);
    const lines = await page.locator("#entries li").allTextContents();
    expect(lines).toContain("huge.bin|6000001|0|tooLarge");
    expect(lines).toContain("photo.png|10|0|notAccepted");
    // The client will not submit a form with upload errors; a third file makes one too many.
    await page
      .locator("input[type=file]")
      .setInputFiles([{ name: "c.txt", mimeType: "text/plain", buffer: Buffer.alloc(5) }]);
    await page.waitForFunction(() => document.querySelector("#too-many")?.textContent === "tooMany");
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 90_000);

  test("an upload owned by a live component: its form targets the component, which consumes the file", async () => {
    const page = await open("/component");
    const bytes = randomBytes(300_000);
    await page
      .locator("input[type=file]")
      .setInputFiles({ name: "c.bin", mimeType: "application/octet-stream", buffer: bytes });
    await page.waitForSelector("#centries li");
    await page.click("#csave");
    await page.waitForSelector("#csaved li", { timeout: 60_000 });
    expect(await page.locator("#csaved li").allTextContents()).toEqual([
      `c.bin ${bytes.length} ${sha(bytes)}`,
    ]);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 90_000);

  test("drag and drop onto phx-drop-target picks the file", async () => {
    const page = await open();
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
      const target = document.getElementById("drop")!;
      target.dispatchEvent(new DragEvent("dragover", { bubbles: true, cancelable: true, dataTransfer: dt }));
      target.dispatchEvent(new DragEvent("drop", { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await page.waitForSelector("#entries li.entry");
    expect(await page.locator("#entries li").allTextContents()).toEqual(["dropped.txt|13|0|"]);
    await page.click("#save");
    await page.waitForSelector("#saved li");
    expect(await page.locator("#saved li").allTextContents()).toEqual([
      `dropped.txt 13 ${sha(Buffer.from("dropped bytes"))}`,
    ]);
    await page.close();
  }, 90_000);
});

/**
 * The app's external uploader, from its client module: it PUTs the file to the URL the server's `external`
 * callback chose, reporting progress from the request's upload events.
 */
const APP_JS = `export const uploaders = {
  Bucket(entries, onViewError) {
    for (const entry of entries) {
      const xhr = new XMLHttpRequest();
      onViewError(() => xhr.abort());
      xhr.onload = () => (xhr.status === 200 ? entry.progress(100) : entry.error("storage said " + xhr.status));
      xhr.onerror = () => entry.error("network");
      xhr.upload.addEventListener("progress", (e) => {
        const p = Math.floor((e.loaded / e.total) * 100);
        if (e.lengthComputable && p < 100) entry.progress(p);
      });
      xhr.open("PUT", entry.meta.url, true);
      xhr.send(entry.file);
    }
  },
};
`;

describe.skipIf(!ok)(
  "external uploads in Chromium: the app's uploader sends the file straight to storage",
  () => {
    let s: Started;
    let browser: Browser;
    let dir: string;
    let storage: Server;
    let storageBase = "";
    /** What the fake storage received, by path. */
    const stored = new Map<string, Buffer>();

    const External = defineLiveView<{ saved: string[] }>({
      mount(_p, _s, socket) {
        socket.assign({ saved: [] });
        socket.allowUpload("photo", {
          accept: "any",
          maxFileSize: 10_000_000,
          external: (entry) => ({ uploader: "Bucket", url: `${storageBase}/bucket/${entry.ref}` }),
        });
      },
      async handleEvent(event, _value, socket) {
        if (event !== "save") return;
        const saved = await socket.consumeUploadedEntries("photo", (meta: { url: string }, e) => {
          // The server never saw the bytes: it looks them up in storage, as an app would.
          const bytes = stored.get(new URL(meta.url).pathname);
          return `${e.clientName} ${bytes?.length} ${bytes === undefined ? "missing" : sha(bytes)}`;
        });
        socket.assign({ saved });
      },
      render: ({ uploads, saved }) => html`<form id="f" phx-change="validate" phx-submit="save">
        ${liveFileInput(uploads!.photo!)}<button id="save" type="submit">Save</button></form>
      <ul id="entries">${uploads!.photo!.entries.map((e) => html`<li class="entry">${e.clientName}</li>`)}</ul>
      <ul id="saved">${saved.map((x) => html`<li>${x}</li>`)}</ul>`,
    });

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "cinder-e2e-uploaders-"));
      writeFileSync(join(dir, "app.js"), APP_JS);
      // A stand-in for S3: takes PUTs from the page's origin (CORS), keeps the bytes in memory.
      storage = createServer((req, res) => {
        res.setHeader("access-control-allow-origin", "*");
        res.setHeader("access-control-allow-methods", "PUT");
        res.setHeader("access-control-allow-headers", "content-type");
        if (req.method === "OPTIONS") return void res.end();
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          stored.set(req.url ?? "", Buffer.concat(chunks));
          res.end("ok");
        });
      });
      await new Promise<void>((r) => storage.listen(0, "127.0.0.1", () => r()));
      storageBase = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
      [s, browser] = await Promise.all([
        startEndpoint(() => ({ "/": External }), {
          static: dir,
          client: { module: "/app.js" },
          contentSecurityPolicy: { "connect-src": ["'self'", storageBase] },
        }),
        launchChromium(),
      ]);
    });
    afterAll(async () => {
      await browser?.close();
      await s?.endpoint.close();
      storage?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    test("the file lands in storage, the view consumes its meta", async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(msg.text());
      });
      await page.goto(s.base);
      await page.waitForSelector("[data-phx-main].phx-connected");
      const bytes = randomBytes(2_000_000);
      await page
        .locator("input[type=file]")
        .setInputFiles({ name: "photo.raw", mimeType: "image/x-raw", buffer: bytes });
      await page.waitForSelector("#entries li.entry");
      await page.click("#save");
      await page.waitForSelector("#saved li", { timeout: 60_000 });
      expect(await page.locator("#saved li").allTextContents()).toEqual([
        `photo.raw ${bytes.length} ${sha(bytes)}`,
      ]);
      expect(errors).toEqual([]);
      await page.close();
    }, 90_000);
  },
);
