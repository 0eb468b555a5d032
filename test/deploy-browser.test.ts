/**
 * The deploy demo in a real browser, on one node (`PUBSUB=local`): the demo as `npm start` runs it, driven by
 * Debian's Chromium through the official LiveView client.
 */

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
  statuses,
  stepsTable,
  useDemoBrowser,
  waitForNotice,
  waitForStatus,
} from "./helpers/demo.js";

const ok = chromiumAvailable();
const RUNNING = STEP_TEXTS.slice(0, -1) as readonly string[];

/** The article's terminal lines for one whole deploy, in order, seen by `viewers` views. */
function expectArticleLines(lines: string[], viewers: number): void {
  const article = lines.filter((l) => /HANDLE (INFO|BROADCAST) FOR|\] Done!$/.test(l));
  const expected: string[] = [];
  for (const step of ["create-org", "create-repo", "push-contents"]) {
    expected.push(`[info] HANDLE INFO FOR ${step}`);
    for (let i = 0; i < viewers; i++) expected.push(`[info] HANDLE BROADCAST FOR ${step}`);
  }
  expected.push("[info] HANDLE INFO FOR done", "[info] Done!");
  for (let i = 0; i < viewers; i++) expected.push("[info] HANDLE BROADCAST FOR done");
  expect(article).toEqual(expected);
}

describe.skipIf(!ok)("deploy demo in Chromium, one node", { timeout: 90_000 }, () => {
  const { open } = useDemoBrowser();

  test("two pages: a click in the first shows every step, in order, on both; the log has the article's lines", async () => {
    const demo = await startDemo({ stepMs: 150 });
    const [p1, p2] = await Promise.all([open(demo.url), open(demo.url)]);
    expect(await statuses(p1)).toEqual([IDLE_TEXT]);
    expect(await deployButton(p1).isEnabled()).toBe(true);

    await deployButton(p1).click();
    await Promise.all([waitForStatus(p1, "Done!"), waitForStatus(p2, "Done!")]);
    for (const p of [p1, p2]) {
      expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
      expect(await p.locator("main.deploy span.done").textContent()).toBe("Done!");
      expect(await deployButton(p).isEnabled()).toBe(true);
    }
    // Both pages show the same deploy: the same step times.
    expect(await stepsTable(p2)).toBe(await stepsTable(p1));
    expect(await stepsTable(p1)).toMatch(
      /^Creating org ?\+0\.\d\ds Creating repo ?\+\d\.\d\ds Pushing contents ?\+\d\.\d\ds Done! ?\+\d\.\d\ds$/,
    );
    expect(await p1.locator("main.deploy .meta").textContent()).toContain("Served by node a");

    await demo.waitForLine("HANDLE BROADCAST FOR done", { count: 2 });
    expectArticleLines(demo.lines(), 2);
    expect(demo.matching("[info] GET /")).toHaveLength(2);
    expect(demo.matching("CONNECTED TO")).toHaveLength(2);
  });

  test("a page opened mid-deploy shows the current step at once, then the rest in order", async () => {
    // Steps long enough that a page opens (a browser context, a load, a websocket join) before the deploy
    // ends even on a loaded machine: with 500 ms steps the deploy was sometimes over first.
    const demo = await startDemo({ stepMs: 2500 });
    const p1 = await open(demo.url);
    await deployButton(p1).click();
    await waitForStatus(p1, "Creating org");

    // The first thing the new page shows, from its very first HTML (before its websocket), is a running step.
    const p3 = await open(demo.url);
    await Promise.all([waitForStatus(p1, "Done!"), waitForStatus(p3, "Done!")]);
    const seen = await statuses(p3);
    expect(RUNNING).toContain(seen[0]);
    expect(seen, JSON.stringify(seen)).toSatisfy(inOrderToDone);
    // The server sent it every step from there on.
    await demo.waitForLine("HANDLE BROADCAST FOR done", { count: 2 });
    expect(await stepsTable(p3)).toBe(await stepsTable(p1));

    // After the deploy, a new page shows how the last one ended (with its times), not "Ready".
    const p4 = await open(demo.url);
    expect(await statuses(p4)).toEqual(["Done!"]);
    expect(await stepsTable(p4)).toBe(await stepsTable(p1));
  });

  test("a second click while a deploy runs starts nothing: the notice shows, one create-org in the log", async () => {
    // Steps long enough that the second click lands while the deploy runs, even on a loaded machine.
    const demo = await startDemo({ stepMs: 2500 });
    const [p1, p2] = await Promise.all([open(demo.url), open(demo.url)]);
    await deployButton(p1).click();
    await waitForStatus(p2, "Creating org");
    expect(await deployButton(p2).isDisabled()).toBe(true);

    // A stale page (or a fast hand) clicks anyway.
    await forceClick(p2);
    await waitForNotice(p2, BUSY_NOTICE);
    await Promise.all([waitForStatus(p1, "Done!"), waitForStatus(p2, "Done!")]);
    for (const p of [p1, p2]) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(await notices(p1)).toEqual([]);
    // The notice goes away with the next step.
    expect(await p2.locator("main.deploy .notice").textContent()).toBe("");

    await demo.waitForLine("HANDLE BROADCAST FOR done", { count: 2 });
    expect(demo.matching("HANDLE INFO FOR create-org")).toHaveLength(1);
    expect(demo.matching("] Done!")).toHaveLength(1);
  });

  test("the clicker closes its page mid-deploy: the others still see every step and Done!", async () => {
    // Steps long enough that the page closes while the deploy runs, even on a loaded machine.
    const demo = await startDemo({ stepMs: 2500 });
    const [p1, p2, p3] = await Promise.all([open(demo.url), open(demo.url), open(demo.url)]);
    await deployButton(p1).click();
    await waitForStatus(p2, "Creating org");
    await p1.close();
    // Closed while the deploy was still running.
    expect(await statuses(p2)).not.toContain("Done!");
    await Promise.all([waitForStatus(p2, "Done!"), waitForStatus(p3, "Done!")]);
    for (const p of [p2, p3]) expect(await statuses(p)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(demo.matching("] Done!")).toHaveLength(1);
    expect(demo.matching(/^\[(error|warn)\]/)).toEqual([]);
  });

  test("a failing step (DEPLOY_FAIL_STEP=create-repo) is shown to every viewer; the button works again", async () => {
    const demo = await startDemo({ stepMs: 150, failStep: "create-repo" });
    const [p1, p2] = await Promise.all([open(demo.url), open(demo.url)]);
    await deployButton(p1).click();
    await Promise.all([waitForStatus(p1, "Failed"), waitForStatus(p2, "Failed")]);
    for (const p of [p1, p2]) {
      const seen = await statuses(p);
      expect(seen).toEqual([
        IDLE_TEXT,
        "Creating org",
        "Creating repo",
        expect.stringMatching(/^Failed: Creating repo \(.*create-repo/),
      ]);
      expect(await p.locator("main.deploy span.failed").textContent()).toBe(seen[3]);
      expect(await deployButton(p).isEnabled()).toBe(true);
    }
    expect(demo.matching("HANDLE INFO FOR push-contents")).toEqual([]);

    // The button is usable again: the other viewer starts a new deploy, which everyone sees fail again.
    await deployButton(p2).click();
    await Promise.all([waitForStatus(p1, "Failed", { from: 4 }), waitForStatus(p2, "Failed", { from: 4 })]);
    for (const p of [p1, p2])
      expect((await statuses(p)).slice(3)).toEqual([
        expect.stringMatching(/^Failed/),
        "Creating org",
        "Creating repo",
        expect.stringMatching(/^Failed: Creating repo/),
      ]);
    expect(demo.matching("HANDLE INFO FOR create-org")).toHaveLength(2);
  });

  test("SIGTERM with views open and a deploy running: exit code 0 within a few seconds", async () => {
    const demo = await startDemo({ stepMs: 300 });
    const [p1, p2] = await Promise.all([open(demo.url), open(demo.url)]);
    await deployButton(p1).click();
    await waitForStatus(p2, "Creating org");
    const exit = await demo.stop("SIGTERM", 60_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    // Bounded (the endpoint gives views 2 s), not waiting for the deploy: about a second on an idle machine,
    // a generous bound for a loaded one.
    expect(exit.ms).toBeLessThan(20_000);
    expect(demo.matching("SIGTERM: stopping")).toHaveLength(1);
    // The pages lost their server: the official client no longer marks them connected.
    await p1.waitForSelector("[data-phx-main]:not(.phx-connected)");
  });
});
