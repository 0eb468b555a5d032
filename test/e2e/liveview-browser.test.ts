/**
 * The official browser client, unchanged, in Debian's Chromium: it loads a counter-and-form page from
 * the endpoint, joins over the websocket, and each click and keystroke is checked in the DOM.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { counterFormView, FragileView, OtherView, PagedView } from "../fixtures/liveview/views.js";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { type Started, startEndpoint } from "../helpers/liveview.js";

const ok = chromiumAvailable();

describe.skipIf(!ok)("a live view in Chromium, driven by the official phoenix_live_view client", () => {
  let s: Started;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [s, browser] = await Promise.all([
      startEndpoint((ep) => ({
        "/": counterFormView(ep),
        "/fragile": FragileView,
        "/paged": PagedView,
        "/other": OtherView,
      })),
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
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(msg.text());
    });
    await page.goto(s.base + path);
    // The client marks the container phx-connected once the join reply is applied.
    await page.waitForSelector("[data-phx-main].phx-connected");
    return page;
  }

  const text = (page: Page, sel: string) => page.locator(sel).textContent();

  test("click, type into a phx-change form, submit; the DOM follows each step", async () => {
    const page = await open();
    expect(await text(page, "#count")).toBe("Count: 0");
    expect(await page.title()).toBe("Count 0");

    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "Count: 1");
    await page.click("#inc");
    await page.click("#dec");
    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#count")?.textContent === "Count: 2");
    await page.waitForFunction(() => document.title === "Count 2");

    await page.locator("#name").pressSequentially("Ada <3", { delay: 10 });
    await page.waitForFunction(() => document.querySelector("#preview")?.textContent === "Hello, Ada <3!");
    expect(await page.locator("#preview b").textContent()).toBe("Ada <3");

    await page.click("#save");
    await page.waitForSelector("#saved-1");
    expect(await text(page, "#saved-1")).toBe("Ada <3");
    await page.locator("#name").fill("Grace");
    await page.locator("#name").press("Enter");
    await page.waitForSelector("#saved-2");
    expect(await page.locator("#saved li").allTextContents()).toEqual(["Grace", "Ada <3"]);
    expect(await text(page, "#count")).toBe("Count: 2");
    await page.close();
  });

  test("a broadcast updates every open page; pushEvent reaches window listeners", async () => {
    const [a, b] = [await open(), await open()];
    await a.evaluate(() => {
      (window as any).savedEvents = [];
      window.addEventListener("phx:saved", (e) =>
        (window as any).savedEvents.push((e as CustomEvent).detail),
      );
    });
    await s.endpoint.broadcast("counter", "announce", "Deployed!");
    for (const page of [a, b]) {
      await page.waitForFunction(() => document.querySelector("#announcement")?.textContent === "Deployed!");
    }
    await a.locator("#name").fill("Linus");
    await a.click("#save");
    await a.waitForFunction(() => (window as any).savedEvents.length === 1);
    expect(await a.evaluate(() => (window as any).savedEvents)).toEqual([{ name: "Linus" }]);
    await a.close();
    await b.close();
  });

  test("a crashing view shows the error state, then the client rejoins and it mounts afresh", async () => {
    const page = await open("/fragile");
    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#n")?.textContent === "1");
    await page.click("#boom");
    // phx-error appears, then the official client rejoins (about 1 s later) and the view mounts afresh.
    await page.waitForSelector("[data-phx-main].phx-error", { timeout: 15_000 });
    await page.waitForSelector("[data-phx-main].phx-connected", { timeout: 15_000 });
    expect(await text(page, "#n")).toBe("0");
    expect(s.crashes.some((r) => r.includes("crashed: Error: boom (a crash the test asked for)"))).toBe(true);
    await page.click("#inc");
    await page.waitForFunction(() => document.querySelector("#n")?.textContent === "1");
    await page.close();
  });

  test("live_patch (link and pushPatch), back button, live navigation with flash, full redirect with flash", async () => {
    const page = await open("/paged");
    const url = () => new URL(page.url()).pathname + new URL(page.url()).search;
    const heading = (sel: string, t: string) =>
      page.waitForFunction(([s, x]) => document.querySelector(s)?.textContent === x, [sel, t] as const);
    // A marker that survives only as long as the page is not reloaded.
    await page.evaluate(() => ((window as any).marker = 42));
    await page.click("#patch-link");
    await heading("#page", "Page 2");
    expect(url()).toBe("/paged?page=2");
    await page.click("#next");
    await heading("#page", "Page 3");
    expect(url()).toBe("/paged?page=3");
    await page.waitForFunction(() => document.title === "Page 3");
    await page.goBack();
    await heading("#page", "Page 2");
    await page.click("#nav-link");
    await heading("#other", "Other");
    expect(url()).toBe("/other");
    await page.click("#back");
    await heading("#page", "Page 1");
    await page.click("#to-other");
    await heading("#flash", "Welcome over");
    expect(await page.evaluate(() => (window as any).marker)).toBe(42);
    await page.click("#back");
    await heading("#page", "Page 1");
    await page.click("#reload");
    await heading("#flash", "Fresh page");
    expect(await page.evaluate(() => (window as any).marker)).toBeUndefined();
    // The flash cookie was consumed: a reload shows no flash.
    await page.reload();
    await page.waitForSelector("[data-phx-main].phx-connected");
    expect(await page.locator("#flash").count()).toBe(0);
    await page.close();
  });

  test("form recovery: after a reconnect the client replays the form into the fresh view", async () => {
    const page = await open();
    await page.locator("#name").fill("Recover me");
    await page.waitForFunction(
      () => document.querySelector("#preview")?.textContent === "Hello, Recover me!",
    );
    // The server loses the view (a new socket means a new process that mounts from scratch)...
    const before = s.logs.length;
    await page.evaluate(() => {
      const ls = (window as any).liveSocket;
      ls.disconnect(() => ls.connect());
    });
    await page.waitForSelector("[data-phx-main].phx-connected");
    // ...and the form's phx-change replay gives it back what the user typed.
    await page.waitForFunction(
      () => document.querySelector("#preview")?.textContent === "Hello, Recover me!",
    );
    expect(await page.locator("#name").inputValue()).toBe("Recover me");
    const after = s.logs.slice(before);
    const mount = after.findIndex((l) => l.startsWith("[debug] MOUNT CounterFormView"));
    expect(mount).toBeGreaterThanOrEqual(0);
    expect(after.slice(mount).some((l) => l.startsWith('[debug] HANDLE EVENT "validate"'))).toBe(true);
    await page.close();
  });

  test("no errors in the browser console besides the crash the test caused", () => {
    const unexpected = pageErrors.filter((e) => !/view crashed|boom|phx_error|channel_crash/i.test(e));
    expect(unexpected, unexpected.join("\n")).toEqual([]);
  });
});
