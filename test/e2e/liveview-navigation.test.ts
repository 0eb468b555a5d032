/**
 * Navigations the websocket cannot serve, and the page's Content-Security-Policy, with the official
 * client in Chromium. The endpoint sits in a node:http server beside one plain HTTP route, `/old`, which
 * redirects to the live page `/b` (as a moved page or a logout controller would).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  counterFormView,
  InjectedScriptView,
  LandingView,
  LeavingView,
  OtherView,
  PagedView,
} from "../fixtures/liveview/views.js";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { SECRET } from "../helpers/liveview.js";

const ok = chromiumAvailable();

// Each test drives a few page loads in a browser: generous deadlines, since a loaded 2-core machine (other
// suites, other browsers) can make each step take seconds.

// Each test drives a few page loads in a browser: generous deadlines, since a loaded 2-core machine (other
// suites, other browsers) can make each step take seconds.

/** Every CSP violation and console error of a page, recorded from before its first script runs. */
interface Watched {
  page: Page;
  violations: () => Promise<string[]>;
  errors: string[];
}

describe.skipIf(!ok)(
  "navigation the socket cannot serve, and the CSP, in Chromium with the official client",
  () => {
    let endpoint: Endpoint;
    let server: Server;
    let base: string;
    let browser: Browser;
    const logs: string[] = [];

    beforeAll(async () => {
      const pubsub = await PubSub.start({ name: `lv-nav-${process.pid}` });
      endpoint = createEndpoint({
        routes: {
          "/": counterFormView(() => endpoint),
          "/a": LeavingView,
          "/b": LandingView,
          "/paged": PagedView,
          "/other": OtherView,
          "/injected": InjectedScriptView,
        },
        pubsub,
        secret: SECRET,
        logger: createLogger({ level: "info", write: (line) => logs.push(line) }),
      });
      server = createServer((req, res) => {
        if (req.url === "/old") res.writeHead(302, { location: "/b" }).end();
        else endpoint.handler(req, res);
      });
      server.on("upgrade", endpoint.handleUpgrade);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await endpoint?.close();
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
    });

    async function open(path: string): Promise<Watched> {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(msg.text());
      });
      // Installed before any of the page's scripts (and outside its CSP): a policy that blocked the client
      // would show up here, as would one that blocked nothing.
      await page.addInitScript(() => {
        const seen: string[] = [];
        (window as any).cspViolations = seen;
        document.addEventListener("securitypolicyviolation", (e) =>
          seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`),
        );
      });
      await page.goto(base + path);
      return { page, errors, violations: () => page.evaluate(() => [...(window as any).cspViolations]) };
    }

    const connected = (page: Page) =>
      page.waitForSelector("[data-phx-main].phx-connected", { timeout: 15_000 });
    const path = (page: Page) => new URL(page.url()).pathname;

    test("a flash survives a live navigation that falls back to a page load (pushNavigate to a plain HTTP route)", async () => {
      const { page, errors } = await open("/a");
      await connected(page);
      await page.click("#to-old");
      // The join for /old is refused unauthorized; the client loads /old with the flash in a cookie, /old
      // redirects to /b, and /b's dead render reads (and clears) the cookie.
      await page.waitForSelector("#b", { timeout: 15_000 });
      expect(path(page)).toBe("/b");
      await connected(page);
      expect(await page.locator("#flash").textContent()).toBe("hello");
      expect(logs.some((l) => /REFUSED JOIN lv:phx-\S+: live navigation to "\/old"/.test(l))).toBe(true);
      // Read once: the cookie is gone, a reload shows no flash.
      expect((await page.context().cookies()).some((c) => c.name === "__phoenix_flash__")).toBe(false);
      await page.reload();
      await connected(page);
      expect(await page.locator("#flash").count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    test("a live navigation to an unknown path ends on the endpoint's 404 page", async () => {
      const { page } = await open("/a");
      await connected(page);
      const notFound = page.waitForResponse((r) => new URL(r.url()).pathname === "/nowhere");
      await page.click("#to-nowhere");
      expect((await notFound).status()).toBe(404);
      await page.waitForFunction(
        () => location.pathname === "/nowhere" && document.body?.textContent?.trim() === "Not Found",
        null,
        {
          timeout: 15_000,
        },
      );
      await page.close();
    }, 60_000);

    test("the default CSP: the official client goes live and works with no violation; injected script is blocked", async () => {
      const { page, errors, violations } = await open("/");
      const res = await page.request.get(`${base}/`);
      expect(res.headers()["content-security-policy"]).toContain("script-src 'self'");
      await connected(page);
      await page.click("#inc");
      await page.waitForFunction(() => document.querySelector("#count")?.textContent === "Count: 1");
      await page.locator("#name").fill("Ada");
      await page.waitForFunction(() => document.querySelector("#preview")?.textContent === "Hello, Ada!");
      // Live navigation and patches under the policy too.
      await page.goto(`${base}/paged`);
      await connected(page);
      await page.click("#patch-link");
      await page.waitForFunction(() => document.querySelector("#page")?.textContent === "Page 2");
      await page.click("#to-other");
      await page.waitForSelector("#flash");
      expect(await violations()).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();

      // The control: the same policy stops what a template must never let through.
      const injected = await open("/injected");
      await connected(injected.page);
      await injected.page.waitForFunction(() => (window as any).cspViolations.length >= 2);
      expect(await injected.page.evaluate(() => (window as any).pwned)).toBeUndefined();
      expect((await injected.violations()).every((v) => v.startsWith("script-src"))).toBe(true);
      await injected.page.close();
    }, 60_000);
  },
);
