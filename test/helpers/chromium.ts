/**
 * Debian's Chromium for browser tests (never a downloaded browser). When `/usr/bin/chromium` is
 * missing, the run fails under `CI=true` (`.ci/run` installs it with apt) and the browser suites are
 * skipped elsewhere, with the reason printed.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** True when Chromium is there; otherwise throws under CI=true, else prints why and returns false. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const reason = `${CHROMIUM_PATH} not found (install it with: apt-get install -y chromium)`;
  if (process.env.CI === "true") throw new Error(`browser tests cannot run under CI=true: ${reason}`);
  console.warn(`skipping browser tests: ${reason}`);
  return false;
}

/** Launches the system Chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Opens `url` in a new page and waits until the official client's socket is connected. */
export async function openConnected(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => (window as any).liveSocket?.isConnected(), null, { timeout: 30_000 });
  return page;
}
