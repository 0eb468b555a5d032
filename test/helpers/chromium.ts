/**
 * Chromium for browser tests: Debian's `/usr/bin/chromium` (never a downloaded browser), driven by
 * playwright-core. Tests call `chromiumAvailable()` at the top of the file and wrap their suites in
 * `describe.skipIf(!ok)`: when the binary is missing or does not start, the run fails under `CI=true`
 * (`.ci/run` installs it) and is skipped elsewhere, with the reason printed.
 */

import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where Chromium lives (`CHROMIUM_PATH` to override). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const IN_CI = process.env.CI === "true";

/** The flags every test browser runs with: headless, no sandbox (containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Null when Chromium can run, else the reason it cannot. */
export function chromiumMissing(): string | null {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    return `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
  }
  try {
    execFileSync(CHROMIUM_PATH, ["--version"], { stdio: "ignore", timeout: 10_000 });
  } catch (err) {
    return `${CHROMIUM_PATH} --version failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  return null;
}

/** True when Chromium can run; else throws under `CI=true`, or prints why and returns false. */
export function chromiumAvailable(what = "browser tests"): boolean {
  const reason = chromiumMissing();
  if (reason === null) return true;
  const msg = `${what}: ${reason}`;
  if (IN_CI) throw new Error(`${msg} (CI=true: browser tests never skip; .ci/run should have installed it)`);
  console.warn(`skipping ${msg}`);
  return false;
}

/** Launches headless Chromium with {@link CHROMIUM_ARGS}. Close it in `afterAll`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
