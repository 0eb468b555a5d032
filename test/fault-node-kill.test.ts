/**
 * A node killed with SIGKILL mid-deploy (no goodbye: its Redis connections and websockets just drop), two demo
 * nodes sharing a `redis-server` of the test's own; viewers are official Phoenix.Socket clients.
 * - The node that does not run the deploy dies: the other carries on, its viewers see every step to Done!.
 * - The node that runs the deploy dies: the other carries on serving (its viewers stay joined, new viewers
 *   join), calls the deploy lost once, and starts the next deploy itself.
 * In both cases the surviving node's log has no error storm: its error lines are counted (none), and its
 * warnings too (a handful at most), over the seconds after the kill.
 */
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { type DemoNode, killAllDemos, STEP_TEXTS, startDemoPair } from "./helpers/demo.js";
import { demoStatus, sleep, type Viewer, viewer, waitFor } from "./helpers/fault.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "./helpers/redis.js";

const ok = redisServerAvailable("the node-kill test");
const STEP_MS = 400;
// After its node dies, a client keeps trying to reconnect there: slowly, so it stays quiet.
const SLOW_RECONNECT = { reconnectAfterMs: () => 1000 };

/** The surviving node's log since line `from`: error lines (and anything that looks like one), and warnings. */
function noise(node: DemoNode, from: number) {
  const lines = node.lines().slice(from);
  return {
    errors: lines.filter((l) => /\[error\]|Error|ioredis|Unhandled|at .*\(.*:\d+:\d+\)/.test(l)),
    warnings: lines.filter((l) => l.startsWith("[warn]")),
  };
}

describe.skipIf(!ok)("a node killed with SIGKILL mid-deploy", () => {
  let redis: RedisServer;
  const viewers: Viewer[] = [];
  const pair = () => startDemoPair(redis.url, { stepMs: STEP_MS });

  beforeAll(async () => {
    redis = await startRedisServer();
    return async () => {
      await redis.kill();
    };
  });
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.client.close()));
    await killAllDemos();
  });

  test("the node that does not run the deploy: the other carries on to Done!, with a quiet log", async () => {
    const [a, b] = await pair();
    const [a1, a2, b1] = await Promise.all([
      viewer(a.url, SLOW_RECONNECT),
      viewer(a.url, SLOW_RECONNECT),
      viewer(b.url, SLOW_RECONNECT),
    ]);
    viewers.push(a1, a2, b1);
    await a1.client.push("deploy");
    await waitFor("B's viewer to show the first step", () => b1.seen.includes(STEP_TEXTS[0]));
    const from = a.lines().length;
    await b.stop("SIGKILL");

    await waitFor("A's viewers to show Done!", () => [a1, a2].every((v) => v.seen.at(-1) === "Done!"));
    for (const v of [a1, a2]) {
      expect(v.seen.filter((s) => s !== "Ready")).toEqual([...STEP_TEXTS]);
      expect({ joins: v.client.joins, errors: v.client.errors }).toEqual({ joins: 1, errors: 0 });
    }
    await sleep(2000); // a few more viewer reports and heartbeats, with B gone
    const { errors, warnings } = noise(a, from);
    expect(errors, a.lines().slice(from).join("\n")).toEqual([]);
    expect(warnings.length).toBeLessThanOrEqual(3);
    // A goes on serving: a new viewer joins and sees the finished deploy.
    const a3 = await viewer(a.url, SLOW_RECONNECT);
    viewers.push(a3);
    expect(demoStatus(a3.client.html())).toBe("Done!");
  }, 90_000);

  test("the node that runs the deploy: the other serves on, calls the deploy lost once, deploys itself", async () => {
    const [a, b] = await pair();
    const [a1, b1, b2] = await Promise.all([
      viewer(a.url, SLOW_RECONNECT),
      viewer(b.url, SLOW_RECONNECT),
      viewer(b.url, SLOW_RECONNECT),
    ]);
    viewers.push(a1, b1, b2);
    await a1.client.push("deploy");
    await waitFor("B's viewers to show the second step", () =>
      [b1, b2].every((v) => v.seen.includes(STEP_TEXTS[1])),
    );
    const from = b.lines().length;
    await a.stop("SIGKILL");

    // B serves on meanwhile: a new viewer joins and shows the deploy as B last heard of it.
    const b3 = await viewer(b.url, SLOW_RECONNECT);
    viewers.push(b3);
    expect(demoStatus(b3.client.html())).toMatch(/^(Creating repo|Pushing contents|Failed)/);
    // Once the deploy lock would have expired (5 s), B calls the deploy lost, once, and tells its viewers.
    await waitFor(
      "B's viewers to show the deploy failed",
      () => [b1, b2, b3].every((v) => /^Failed: .*\(node a stopped answering\)$/.test(v.seen.at(-1) ?? "")),
      { timeoutMs: 30_000 },
    );
    expect(b.matching(/DEPLOY a-\d+ LOST/)).toHaveLength(1);
    // And B deploys by itself: its viewers see every step.
    const mark = [b1, b2, b3].map((v) => v.seen.length);
    await b1.client.push("deploy");
    await waitFor("B's viewers to show the new deploy's Done!", () =>
      [b1, b2, b3].every((v, i) => v.seen.slice(mark[i]).includes("Done!")),
    );
    for (const [i, v] of [b1, b2, b3].entries()) expect(v.seen.slice(mark[i])).toEqual([...STEP_TEXTS]);
    for (const v of [b1, b2, b3])
      expect({ joins: v.client.joins, errors: v.client.errors }).toEqual({ joins: 1, errors: 0 });

    const { errors, warnings } = noise(b, from);
    expect(errors, b.lines().slice(from).join("\n")).toEqual([]);
    expect(warnings.length).toBeLessThanOrEqual(3);
  }, 90_000);
});
