/**
 * A Redis outage mid-deploy, with two demo nodes (child processes) sharing a `redis-server` of the test's own,
 * killed with SIGKILL mid-deploy and started again on the same port. Viewers are official Phoenix.Socket
 * clients, two per node.
 * - During the outage, local viewers on each node keep updating: on node A, which runs the deploy, every
 *   remaining step; on node B, the viewer count when a viewer joins there.
 * - The outage is logged once per node (not once per failed broadcast) and counted (`/stats.json`:
 *   `pubsub.adapter.outages`, `pubsub.remoteFailures`); the node's other Redis client (the deploy lock) adds no
 *   error storm either.
 * - Once Redis is back, cross-node updates resume with nothing restarted (same node processes, same websockets):
 *   B catches up with the deploy it missed (A's next viewer report carries it: "Done!"), and a deploy started on
 *   A after the outage reaches B's viewers, every step.
 * Steps broadcast during the outage never reach B: cross-node delivery is at most once, as with Phoenix.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type DemoNode, killAllDemos, STEP_TEXTS, startDemoPair } from "./helpers/demo.js";
import { sleep, type Viewer, viewer, waitFor } from "./helpers/fault.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "./helpers/redis.js";

const ok = redisServerAvailable("the Redis outage test");
const STEP_MS = 700;

async function stats(node: DemoNode): Promise<any> {
  return (await fetch(`${node.url}stats.json`)).json();
}

describe.skipIf(!ok)("Redis outage mid-deploy, two nodes", () => {
  let redis: RedisServer;
  let a: DemoNode;
  let b: DemoNode;
  const viewers: Viewer[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await startDemoPair(redis.url, { stepMs: STEP_MS });
  });
  afterAll(async () => {
    await Promise.all(viewers.map((v) => v.client.close()));
    await killAllDemos();
    await redis?.kill();
  });

  test("local viewers keep updating; the outage is logged once and counted; cross-node updates resume", async () => {
    const [a1, a2, b1, b2] = await Promise.all([viewer(a.url), viewer(a.url), viewer(b.url), viewer(b.url)]);
    viewers.push(a1, a2, b1, b2);
    const pidsA = a.child.pid;
    const pidsB = b.child.pid;

    // A deploy on A reaches B over Redis; then Redis dies.
    await a1.client.push("deploy");
    await waitFor("B's viewers to show the first step", () =>
      [b1, b2].every((v) => v.seen.includes(STEP_TEXTS[0])),
    );
    await redis.kill();
    const killedAt = Date.now();

    // A's viewers get every remaining step (local delivery), to Done!
    await waitFor(
      "A's viewers to show Done! during the outage",
      () => [a1, a2].every((v) => v.seen.at(-1) === "Done!"),
      { timeoutMs: 30_000 },
    );
    for (const v of [a1, a2]) expect(v.seen.filter((s) => s !== "Ready")).toEqual([...STEP_TEXTS]);
    // B's viewers are told nothing of the steps broadcast meanwhile (they are lost, not delayed)...
    expect([b1, b2].every((v) => !v.seen.includes("Done!"))).toBe(true);
    // ...but B's local broadcasts still reach them: a viewer joining B changes the count B's viewers show.
    const before = b1.client.html();
    const b3 = await viewer(b.url);
    viewers.push(b3);
    await waitFor("B's viewers to show the new viewer count", () => {
      const m = /(\d+) watching \(([^)]*)\)/.exec(b1.client.html());
      return m !== null && /b: 3/.test(m[2]) && b1.client.html() !== before;
    });

    // Logged once per node, however many broadcasts failed; and counted.
    await sleep(Math.max(0, 2500 - (Date.now() - killedAt))); // let a few viewer reports (1 s) fail too
    for (const node of [a, b]) {
      const lost = node.matching("lost the connection to Redis");
      const failed = node.matching("a broadcast could not reach the other nodes");
      expect({ node: node.node, lost: lost.length, failed: failed.length }).toEqual({
        node: node.node,
        lost: 1,
        failed: 1,
      });
      const s = await stats(node);
      expect(s.pubsub.adapter.outages, node.node).toBe(1);
      expect(s.pubsub.adapter.connected).toBe(false);
      expect(s.pubsub.remoteFailures, node.node).toBeGreaterThanOrEqual(2);
      // No storm from anything else talking to Redis (ioredis's unhandled-error lines, crash reports).
      const noise = node.lines().filter((l) => /ioredis|Unhandled error|\[error\]/.test(l));
      expect(noise, node.lines().slice(-20).join("\n")).toEqual([]);
    }

    // Redis comes back on the same port: both nodes reconnect by themselves.
    await redis.start();
    await Promise.all([a, b].map((n) => n.waitForLine("reconnected to Redis", { timeoutMs: 30_000 })));
    await waitFor("both nodes to report the connection up", async () =>
      (await Promise.all([stats(a), stats(b)])).every((s) => s.pubsub.adapter.connected),
    );
    await Promise.all(
      [a, b].map((n) => n.waitForLine("broadcasts reach the other nodes again", { timeoutMs: 30_000 })),
    );

    // B catches up with what it missed: A's next report carries its deploy, now done.
    await waitFor("B's viewers to show that the deploy they missed is done", () =>
      [b1, b2, b3].every((v) => v.seen.at(-1) === "Done!"),
    );
    await b.waitForLine("SYNCED FROM NODE a: Done!");

    // Cross-node updates resume: a new deploy on A reaches every viewer on B, every step.
    const from = [b1, b2, b3].map((v) => v.seen.length);
    await a1.client.push("deploy");
    await waitFor(
      "B's viewers to show the new deploy's Done!",
      () => [b1, b2, b3].every((v, i) => v.seen.slice(from[i]).includes("Done!")),
      { timeoutMs: 30_000 },
    );
    for (const [i, v] of [b1, b2, b3].entries()) {
      expect(v.seen.slice(from[i]).filter((s) => STEP_TEXTS.includes(s as never))).toEqual([...STEP_TEXTS]);
    }
    // Nothing was restarted: the same node processes, the same websockets (one join each).
    expect([a.child.pid, b.child.pid]).toEqual([pidsA, pidsB]);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    for (const v of [a1, a2, b1, b2, b3])
      expect({ joins: v.client.joins, errors: v.client.errors }).toEqual({ joins: 1, errors: 0 });
    // Still one outage each.
    for (const node of [a, b]) expect(node.matching("lost the connection to Redis")).toHaveLength(1);
  }, 120_000);
});
