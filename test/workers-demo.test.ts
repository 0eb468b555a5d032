/**
 * The deploy demo in workers mode (`WORKERS=2`): one primary forking two `node:cluster` workers that share one
 * port, their PubSub joined through the primary (no Redis). Real processes, real sockets, Chromium with the
 * official client. The IPC adapter's own laws are in packages/pubsub/test/workers.conformance.test.ts.
 */

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { chromiumAvailable } from "./helpers/chromium.js";
import {
  type DemoNode,
  deployButton,
  forceClick,
  IDLE_TEXT,
  inOrderToDone,
  STEP_TEXTS,
  startDemo,
  startDemoPair,
  statuses,
  stepsTable,
  useDemoBrowser,
  waitForStatus,
} from "./helpers/demo.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = chromiumAvailable();
const withRedis = ok && (await redisAvailable("workers on two machines over Redis"));

/** The pid a worker printed when it became ready (the `count`-th time: 2 for its first replacement). */
async function workerPid(demo: DemoNode, node: string, count = 1): Promise<number> {
  const line = await demo.waitForLine(new RegExp(`worker ${node} ready \\(pid \\d+\\)`), {
    count,
    timeoutMs: 60_000,
  });
  return Number(/pid (\d+)/.exec(line)![1]);
}

/** The node whose view a page's live connection reached ("Served by node a-1"). */
async function servedBy(page: Page): Promise<string> {
  const meta = (await page.locator("main.deploy .meta").textContent()) ?? "";
  return /Served by node (\S+)/.exec(meta)?.[1] ?? "";
}

describe.skipIf(!ok)("deploy demo on two workers (WORKERS=2)", { timeout: 180_000 }, () => {
  const { open } = useDemoBrowser();

  /** Opens pages until one is served by each of `nodes` (the primary hands connections out in turn). */
  const pagesOn = async (demo: DemoNode, nodes: string[]): Promise<Map<string, Page>> => {
    const found = new Map<string, Page>();
    for (let i = 0; i < 12 && found.size < nodes.length; i++) {
      const p = await open(demo.url);
      const n = await servedBy(p);
      if (nodes.includes(n) && !found.has(n)) found.set(n, p);
    }
    expect([...found.keys()].sort()).toEqual([...nodes].sort());
    return found;
  };

  test("a deploy's broadcasts reach views on every worker; clicks on both workers start one deploy", async () => {
    const demo = await startDemo({ stepMs: 150, env: { WORKERS: "2" } });
    await Promise.all([workerPid(demo, "a-0"), workerPid(demo, "a-1")]);
    const pages = await pagesOn(demo, ["a-0", "a-1"]);
    const [p0, p1] = [pages.get("a-0")!, pages.get("a-1")!];

    // Both click at once: the lock the primary holds lets one deploy start, on one worker.
    await Promise.all([forceClick(p0), forceClick(p1)]);
    await Promise.all([waitForStatus(p0, "Done!"), waitForStatus(p1, "Done!")]);
    for (const p of [p0, p1]) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(await stepsTable(p1)).toBe(await stepsTable(p0));
    // Every worker's output goes to the primary's: the chain ran once, in all.
    expect(demo.matching("HANDLE INFO FOR create-org")).toHaveLength(1);
    expect(demo.matching("] Done!")).toHaveLength(1);
  });

  test("a killed worker is replaced, and its page rejoins and sees the next deploy", async () => {
    const demo = await startDemo({ stepMs: 150, env: { WORKERS: "2" } });
    const [, pid1] = await Promise.all([workerPid(demo, "a-0"), workerPid(demo, "a-1")]);
    const pages = await pagesOn(demo, ["a-0", "a-1"]);
    const [p0, p1] = [pages.get("a-0")!, pages.get("a-1")!];

    process.kill(pid1, "SIGKILL");
    await demo.waitForLine(/worker 1 \(pid \d+\) exited \(signal SIGKILL\); starting another/);
    const replacement = await workerPid(demo, "a-1", 2);
    expect(replacement).not.toBe(pid1);

    // The page whose worker died reconnects by itself (to a-0 or the new a-1) and rejoins: a deploy started
    // after the kill reaches it, every step in order.
    const from = (await statuses(p1)).length;
    await deployButton(p0).click();
    await Promise.all([waitForStatus(p0, "Done!"), waitForStatus(p1, "Done!", { from })]);
    expect((await statuses(p1)).slice(from)).toSatisfy(inOrderToDone);
    expect(["a-0", "a-1"]).toContain(await servedBy(p1));
    // The primary kept serving throughout: the first page never lost its view.
    expect(await statuses(p0)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
  });

  test.skipIf(!withRedis)(
    "workers x machines: two primaries of two workers each over Redis make one cluster of four nodes",
    async () => {
      const [a, b] = await startDemoPair(REDIS_URL, { stepMs: 150, env: { WORKERS: "2" } });
      // Each primary hands connections only to its workers that are up: all four first.
      await Promise.all([workerPid(a, "a-0"), workerPid(a, "a-1"), workerPid(b, "b-0"), workerPid(b, "b-1")]);
      const [pa, pb] = await Promise.all([pagesOn(a, ["a-0", "a-1"]), pagesOn(b, ["b-0", "b-1"])]);
      const all = [...pa.values(), ...pb.values()];
      await deployButton(pb.get("b-1")!).click();
      await Promise.all(all.map((p) => waitForStatus(p, "Done!")));
      for (const p of all) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
      expect([
        ...a.matching("HANDLE INFO FOR create-org"),
        ...b.matching("HANDLE INFO FOR create-org"),
      ]).toHaveLength(1);
    },
  );
});
