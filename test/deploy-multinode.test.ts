/**
 * The deploy demo on two nodes sharing a real Redis (`PUBSUB=redis`): two `node apps/deploy-demo/dist/main.js`
 * processes on two ports, a Chromium page on each. Every run uses its own `REDIS_PREFIX`, so runs (and a
 * developer's `npm start`) sharing the Redis never see each other's broadcasts or lock.
 */

import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { chromiumAvailable } from "./helpers/chromium.js";
import {
  BUSY_NOTICE,
  deployButton,
  forceClick,
  IDLE_TEXT,
  inOrderToDone,
  notices,
  STEP_TEXTS,
  startDemo,
  startDemoPair,
  statuses,
  stepsTable,
  useDemoBrowser,
  waitForStatus,
} from "./helpers/demo.js";
import { waitFor } from "./helpers/fault.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = chromiumAvailable() && (await redisAvailable("deploy demo multi-node tests"));

describe.skipIf(!ok)("deploy demo on two nodes over Redis", { timeout: 120_000 }, () => {
  const { open } = useDemoBrowser();
  const startPair = (stepMs: number) => startDemoPair(REDIS_URL, { stepMs });

  test("a click on node A: the page on node B goes through every step; B's log has the broadcasts", async () => {
    const [a, b] = await startPair(150);
    const [pa, pb] = await Promise.all([open(a.url), open(b.url)]);
    expect(await pb.locator("main.deploy .meta").textContent()).toContain("Served by node b");

    await deployButton(pa).click();
    // Each page counts the viewers of the whole cluster, by node (each view is tracked with Presence).
    await Promise.all(
      [pa, pb].map((p) =>
        p.waitForFunction(() =>
          /2 watching \((a: 1, b: 1|b: 1, a: 1)\)/.test(
            document.querySelector("main.deploy .meta")?.textContent ?? "",
          ),
        ),
      ),
    );
    // A joining browser sees the count at once: the dead render already lists both viewers (from Presence).
    expect(await (await fetch(a.url)).text()).toMatch(/2 watching \((a: 1, b: 1|b: 1, a: 1)\)/);
    await Promise.all([waitForStatus(pa, "Done!"), waitForStatus(pb, "Done!")]);
    for (const p of [pa, pb]) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(await stepsTable(pb)).toBe(await stepsTable(pa));

    // The chain runs on A; B's view gets every step as a broadcast through Redis.
    await b.waitForLine("HANDLE BROADCAST FOR done");
    expect(a.matching("HANDLE INFO FOR")).toHaveLength(4);
    expect(b.matching("HANDLE INFO FOR")).toEqual([]);
    expect(b.matching("HANDLE BROADCAST FOR")).toEqual(
      ["create-org", "create-repo", "push-contents", "done"].map((s) => `[info] HANDLE BROADCAST FOR ${s}`),
    );
  });

  test("clicks on both nodes at once start one deploy, cluster-wide", async () => {
    const [a, b] = await startPair(200);
    const [pa, pb] = await Promise.all([open(a.url), open(b.url)]);
    await Promise.all([forceClick(pa), forceClick(pb)]);
    await Promise.all([waitForStatus(pa, "Done!"), waitForStatus(pb, "Done!")]);
    for (const p of [pa, pb]) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(
      a.matching("HANDLE INFO FOR create-org").length + b.matching("HANDLE INFO FOR create-org").length,
    ).toBe(1);
    // The click that lost says so (unless it came after the winner's first step had already disabled the button).
    const lost = [...(await notices(pa)), ...(await notices(pb))];
    expect(lost.every((n) => n.startsWith(BUSY_NOTICE))).toBe(true);

    // A click on B while A's deploy runs starts nothing either.
    const before = await statuses(pb);
    await deployButton(pa).click();
    await waitForStatus(pb, "Creating org", { from: before.length });
    await forceClick(pb);
    await pb.waitForFunction((n) => (window.__notices ?? []).some((s) => s.startsWith(n)), BUSY_NOTICE);
    await Promise.all([waitForStatus(pa, "Done!", { from: 5 }), waitForStatus(pb, "Done!", { from: 5 })]);
    expect(
      a.matching("HANDLE INFO FOR create-org").length + b.matching("HANDLE INFO FOR create-org").length,
    ).toBe(2);
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    test(`node B stopped mid-deploy (${signal}): A carries on to Done!, a restarted B shows the current state`, async () => {
      const [a, b] = await startPair(300);
      const [pa, pb] = await Promise.all([open(a.url), open(b.url)]);
      await deployButton(pa).click();
      await waitForStatus(pb, "Creating org");

      const exit = await b.stop(signal);
      if (signal === "SIGTERM") expect(exit).toMatchObject({ code: 0, signal: null });
      else expect(exit).toMatchObject({ code: null, signal: "SIGKILL" });

      // B starts again (same port, same name) while A's deploy runs, and its page is reloaded at once.
      const b2 = await startDemo(b.options);
      expect(b2.port).toBe(b.port);
      await pb.reload();
      // B's tracker learns where things stand: from A's answer to its sync request, or from the next step's
      // broadcast when that arrives first (then A's answer is not newer and is not logged). Either way its
      // tracker holds A's deploy; wait for that, not for one of the two ways.
      await waitFor("B2's tracker to hold A's deploy", async () => {
        const held = (await (await fetch(`${b2.url}deployment.json`)).json()) as { node?: string } | null;
        return held?.node === "a";
      });
      // From then on a new page on B shows it in its very first HTML.
      const html = await (await fetch(b2.url)).text();
      expect(html).toMatch(
        /Status: <span class="(running|done)">(Creating org|Creating repo|Pushing contents|Done!)</,
      );

      await Promise.all([waitForStatus(pa, "Done!"), waitForStatus(pb, "Done!")]);
      expect(await statuses(pa)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
      // The reloaded page showed the deploy's state then (or "Ready" if it mounted in the few ms before A's
      // answer came, which then reached it too), and the rest in order.
      const seen = (await statuses(pb)).filter((s) => s !== IDLE_TEXT);
      expect(seen, JSON.stringify(seen)).toSatisfy(inOrderToDone);
      // B2's tracker holds the finished deploy, whether it heard the last step as a broadcast or, when its
      // reload came after that step, from A's answer to its sync request.
      const held = (await (await fetch(`${b2.url}deployment.json`)).json()) as {
        status: string;
        node: string;
      };
      expect(held).toMatchObject({ status: "done", node: "a" });
      expect(await stepsTable(pb)).toBe(await stepsTable(pa));
      expect(await pb.locator("main.deploy .meta").textContent()).toContain("Served by node b");

      // A ran the whole chain, once; B never ran any of it.
      expect(a.matching("HANDLE INFO FOR")).toHaveLength(4);
      expect(a.matching("] Done!")).toHaveLength(1);
      expect([...b.matching("HANDLE INFO FOR"), ...b2.matching("HANDLE INFO FOR")]).toEqual([]);
    });
  }

  test("node A, which runs the deploy, killed mid-deploy: B shows the deploy failed, and B can deploy again", async () => {
    // Steps long enough that A is killed while its deploy runs, even on a loaded machine.
    const [a, b] = await startPair(2000);
    const [pa, pb] = await Promise.all([open(a.url), open(b.url)]);
    await deployButton(pa).click();
    await waitForStatus(pb, "Creating repo");
    await a.stop("SIGKILL");

    // Nothing more comes from A: once the deploy lock would have expired, B says so and frees the button.
    await waitForStatus(pb, "Failed", { timeoutMs: 45_000 });
    const seen = await statuses(pb);
    expect(seen.at(-1)).toMatch(/^Failed: (Creating repo|Pushing contents) \(node a stopped answering\)$/);
    expect(await deployButton(pb).isEnabled()).toBe(true);
    expect(b.matching("HANDLE INFO FOR")).toEqual([]);

    // A click on B starts a new deploy there (A's lock has expired by then), which runs to the end.
    await deployButton(pb).click();
    await waitForStatus(pb, "Done!", { from: seen.length });
    expect((await statuses(pb)).slice(seen.length)).toEqual(STEP_TEXTS);
    expect(b.matching("HANDLE INFO FOR")).toHaveLength(4);
  });

  // Every Node process's default runtime is named "local", so A's runner and some view on B may both be
  // `<local.N>`: pids carry their runtime's random creation number, so B never mistakes one for the other.
  test("every viewer on B sees every deploy, whatever the pid number of A's runner", async () => {
    const [a, b] = await startPair(100);
    const pa = await open(a.url);
    // One at a time, so that B's views get evenly spread pid numbers (a page load spawns a few processes).
    const pbs: Page[] = [];
    for (let i = 0; i < 3; i++) pbs.push(await open(b.url));
    // Three deploys whose runners get consecutive-ish pid numbers on A (a page load spawns a process there).
    for (let k = 0; k < 3; k++) {
      for (let g = 0; g < k; g++) await (await fetch(a.url)).text();
      const from = (await statuses(pa)).length;
      await deployButton(pa).click();
      await waitForStatus(pa, "Done!", { from });
      for (const p of pbs) await waitForStatus(p, "Done!", { from, timeoutMs: 30_000 });
    }
    for (const p of pbs)
      expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS, ...STEP_TEXTS, ...STEP_TEXTS]);
  });
});
