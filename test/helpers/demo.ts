/**
 * Deploy demo nodes for end-to-end tests: each is a real `node apps/deploy-demo/dist/main.js` child process
 * (what `npm start` runs), on a port of its own, with everything it prints collected. `npm test` runs
 * `tsc -b` first, so the `dist` is there; running vitest alone needs `npx tsc -b` first.
 *
 * The browser side: `recordStatus(page)` installs, before the page's own scripts, a MutationObserver that
 * pushes every new status text (and notice) the page shows to a window array, so that a test sees every
 * step in order even when steps are shorter than a polling interval.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { launchChromium } from "./chromium.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The demo's entry point, as `npm start` runs it. */
export const DEMO_MAIN = resolve(ROOT, "apps/deploy-demo/dist/main.js");

/** The status texts of a successful deploy, in order. */
export const STEP_TEXTS = ["Creating org", "Creating repo", "Pushing contents", "Done!"] as const;
/**
 * True when `seen` is some of `STEP_TEXTS`, in order, ending at "Done!". A page that joins while steps go by
 * may show fewer: the official client applies the diffs that arrive during its join together, so a step
 * that lasted less than the join is never on screen (the server still sent it; check its log for that).
 */
export function inOrderToDone(seen: readonly string[]): boolean {
  let i = 0;
  for (const s of seen) {
    const j = STEP_TEXTS.indexOf(s as (typeof STEP_TEXTS)[number], i);
    if (j < 0) return false;
    i = j + 1;
  }
  return seen.at(-1) === "Done!";
}

/** What the page shows before any deploy. */
export const IDLE_TEXT = "Ready";
/** The notice a click gets while a deploy runs. */
export const BUSY_NOTICE = "A deploy is already running";

/** How to start a node; everything maps to the demo's environment variables. */
export interface DemoOptions {
  /** `PORT`; default 0 (a free port, read back from the startup line). */
  port?: number;
  /** `NODE_NAME`; default `a`. */
  node?: string;
  /** `PUBSUB`; default `local`. */
  pubsub?: "local" | "redis";
  /** `REDIS_URL`. */
  redisUrl?: string;
  /** `REDIS_PREFIX`: give every test run its own (see {@link uniquePrefix}) so runs sharing a Redis stay apart. */
  redisPrefix?: string;
  /** `DEPLOY_STEP_MS`; default 250. */
  stepMs?: number;
  /** `DEPLOY_FAIL_STEP`. */
  failStep?: string;
  /** Any other variables. */
  env?: Record<string, string>;
  /** How long to wait for the startup line (default 60 s: a loaded machine can take many seconds). */
  startTimeoutMs?: number;
}

/** How a node process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running demo node. */
export interface DemoNode {
  readonly node: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Every line printed so far (stdout and stderr; each stream in order). */
  lines(): string[];
  /** Lines printed so far that contain `text` (or match it). */
  matching(text: string | RegExp): string[];
  /** Resolves with the `count`-th line containing `text` once it is printed; rejects on timeout or exit. */
  waitForLine(text: string | RegExp, opts?: { count?: number; timeoutMs?: number }): Promise<string>;
  /** Sends `signal` (default SIGTERM) and resolves with how the process ended and how long it took. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit & { ms: number }>;
  /** The options it was started with, to start it again (same port, same name). */
  readonly options: DemoOptions;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

/** Throws a clear error when the demo is not built. */
export function assertDemoBuilt(): void {
  if (!existsSync(DEMO_MAIN)) throw new Error(`${DEMO_MAIN} is missing: run \`npx tsc -b\` (npm test does)`);
}

/** A Redis prefix no other run uses: `cinder-test-<pid>-<random>`. */
export function uniquePrefix(): string {
  return `cinder-test-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * Two nodes, `a` and `b`, over the Redis at `redisUrl`, as one cluster of their own (a fresh
 * {@link uniquePrefix} unless `options.redisPrefix` names one); the other `options` apply to both.
 */
export function startDemoPair(redisUrl: string, options: DemoOptions = {}): Promise<[DemoNode, DemoNode]> {
  const common: DemoOptions = {
    ...options,
    pubsub: "redis",
    redisUrl,
    redisPrefix: options.redisPrefix ?? uniquePrefix(),
  };
  return Promise.all([startDemo({ ...common, node: "a" }), startDemo({ ...common, node: "b" })]);
}

const STARTED = /^Cinder deploy demo: node (\S+) on http:\/\/localhost:(\d+)/;

/** Starts a node and resolves once it listens (its startup line is printed). */
export async function startDemo(opts: DemoOptions = {}): Promise<DemoNode> {
  assertDemoBuilt();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(opts.port ?? 0),
    NODE_NAME: opts.node ?? "a",
    PUBSUB: opts.pubsub ?? "local",
    DEPLOY_STEP_MS: String(opts.stepMs ?? 250),
    ...opts.env,
  };
  for (const k of ["DEPLOY_FAIL_STEP", "REDIS_PREFIX"]) delete env[k];
  if (opts.redisUrl !== undefined) env.REDIS_URL = opts.redisUrl;
  if (opts.redisPrefix !== undefined) env.REDIS_PREFIX = opts.redisPrefix;
  if (opts.failStep !== undefined) env.DEPLOY_FAIL_STEP = opts.failStep;

  const child = spawn(process.execPath, ["--enable-source-maps", DEMO_MAIN], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      lines.push(...parts);
      wake();
    });
    stream.on("end", () => {
      if (partial !== "") lines.push(partial);
      partial = "";
      wake();
    });
  }
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      exit = { code, signal };
      // Let the pipes drain before waking waiters for the last time.
      setImmediate(() => {
        resolve(exit!);
        wake();
      });
    });
  });

  const matches = (line: string, text: string | RegExp) =>
    typeof text === "string" ? line.includes(text) : text.test(line);
  const matching = (text: string | RegExp) => lines.filter((l) => matches(l, text));
  const tail = () => lines.slice(-40).join("\n");

  const waitForLine: DemoNode["waitForLine"] = (text, { count = 1, timeoutMs = 30_000 } = {}) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = matching(text);
        if (found.length >= count) return done(() => resolve(found[count - 1]!));
        if (exit !== null)
          return done(() =>
            reject(new Error(`node exited (${JSON.stringify(exit)}) before printing ${text}:\n${tail()}`)),
          );
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no line ${text} (x${count}) within ${timeoutMs} ms:\n${tail()}`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });

  const first = await waitForLine(STARTED, { timeoutMs: opts.startTimeoutMs ?? 60_000 }).catch(
    async (err: unknown) => {
      child.kill("SIGKILL");
      throw err;
    },
  );
  const m = STARTED.exec(first)!;
  const port = Number(m[2]);
  return {
    node: m[1]!,
    port,
    url: `http://127.0.0.1:${port}/`,
    child,
    exited,
    lines: () => [...lines],
    matching,
    waitForLine,
    options: { ...opts, port },
    async stop(signal = "SIGTERM", timeoutMs = 10_000) {
      const t0 = performance.now();
      if (exit === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const e = await exited;
      clearTimeout(timer);
      return { ...e, ms: performance.now() - t0 };
    },
  };
}

/** Kills every node still running (for `afterAll`). */
export async function killAllDemos(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGKILL");
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The browser side

declare global {
  interface Window {
    /** Every status text the page has shown, in order, without repeats. */
    __statuses?: string[];
    /** Every non-empty notice text the page has shown, in order. */
    __notices?: string[];
  }
}

/**
 * Records, from the first byte of every document the page loads, each status text and notice it shows
 * (`window.__statuses`, `window.__notices`). Call before `goto`; it applies to reloads too.
 */
export async function recordStatus(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const statuses: string[] = (window.__statuses = []);
    const notices: string[] = (window.__notices = []);
    const read = () => {
      const p = Array.from(document.querySelectorAll("main.deploy p")).find((el) =>
        el.textContent?.trimStart().startsWith("Status:"),
      );
      const status = p?.querySelector("span")?.textContent?.trim();
      if (status && statuses[statuses.length - 1] !== status) statuses.push(status);
      const notice = document.querySelector("main.deploy .notice")?.textContent?.trim();
      if (notice && notices[notices.length - 1] !== notice) notices.push(notice);
    };
    new MutationObserver(read).observe(document, { childList: true, subtree: true, characterData: true });
  });
}

/** What the page has shown so far (see {@link recordStatus}). */
export function statuses(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__statuses ?? []);
}

/** Notices the page has shown so far (see {@link recordStatus}). */
export function notices(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__notices ?? []);
}

/**
 * Waits until the page has shown a status that starts with `text` (recorded, so a brief one counts too), at
 * index `from` or later of what it has shown (to wait for a new deploy's "Done!" after an old one's).
 */
export async function waitForStatus(
  page: Page,
  text: string,
  { from = 0, timeoutMs = 30_000 }: { from?: number; timeoutMs?: number } = {},
): Promise<void> {
  try {
    await page.waitForFunction(
      ([t, i]) => (window.__statuses ?? []).slice(i).some((s) => s.startsWith(t)),
      [text, from] as const,
      { timeout: timeoutMs, polling: 20 },
    );
  } catch (err) {
    throw new Error(
      `page never showed "${text}" (from #${from}); it showed ${JSON.stringify(await statuses(page))}`,
      { cause: err },
    );
  }
}

/** Waits until the page has shown a notice that starts with `text`. */
export async function waitForNotice(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  try {
    await page.waitForFunction((t) => (window.__notices ?? []).some((s) => s.startsWith(t)), text, {
      timeout: timeoutMs,
      polling: 20,
    });
  } catch (err) {
    throw new Error(
      `page never showed the notice "${text}"; it showed ${JSON.stringify(await notices(page))}`,
      {
        cause: err,
      },
    );
  }
}

/** Waits until the page's LiveView is connected (the official client marks the container). */
export async function waitConnected(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForSelector("[data-phx-main].phx-connected", { timeout: timeoutMs });
}

/** Opens `url` in a new page of `browser`-like `newPage`, recording statuses, and waits for the live connection. */
export async function openDeployPage(newPage: () => Promise<Page>, url: string): Promise<Page> {
  const page = await newPage();
  await recordStatus(page);
  await page.goto(url);
  await waitConnected(page);
  return page;
}

/** The "Deploy to GitHub" button. */
export function deployButton(page: Page) {
  return page.getByRole("button", { name: "Deploy to GitHub" });
}

/**
 * Clicks the button even while it is disabled, as a stale page would: drops `disabled` and clicks in one
 * task, so the click reaches the server whatever the page shows.
 */
export function forceClick(page: Page): Promise<void> {
  return page.evaluate(() => {
    const b = document.querySelector<HTMLButtonElement>("main.deploy button[phx-click=deploy]")!;
    b.disabled = false;
    b.click();
  });
}

/** The steps table as text (step, time), which identifies a deploy. */
export function stepsTable(page: Page): Promise<string> {
  return page
    .locator("table.steps")
    .textContent()
    .then((t) => (t ?? "").replace(/\s+/g, " ").trim());
}

/**
 * For a describe block of browser tests: one Chromium for the block, and `open(url)`, a deploy page in a fresh
 * context (its own cookies, as another browser window would be). Contexts and demo nodes are cleaned up after
 * each test, the browser after the block.
 */
export function useDemoBrowser(): { open: (url: string) => Promise<Page> } {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await killAllDemos();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    open: async (url) => {
      const ctx = await browser.newContext();
      contexts.push(ctx);
      return openDeployPage(() => ctx.newPage(), url);
    },
  };
}
