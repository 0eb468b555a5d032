/**
 * Presence across three Node processes over a real Redis (test/fixtures/presence-node.mjs): presences
 * replicate to every node, a tracked process that exits leaves everywhere, and a node killed with SIGKILL
 * (no goodbye) has its presences leave the others after the down period, in one presence_diff each. A node
 * started again under the killed one's name rejoins with its new presences only.
 */

import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers/fault.js";
import { ensureBuilt, NodeProcess } from "./helpers/node-process.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = await redisAvailable("the multi-node presence test");
const fixture = fileURLToPath(new URL("./fixtures/presence-node.mjs", import.meta.url));

const TOPIC = "room:lobby";
// A down period long enough that a node stalled by a busy machine is not taken for dead.
const TIMING = { broadcastPeriodMs: 250, downPeriodMs: 4000, permdownPeriodMs: 60_000 };

type Diff = {
  at: number;
  diff: { topic: string; event: string; payload: { joins: object; leaves: object } };
};

describe.skipIf(!ok)("Presence across three Node processes over Redis", () => {
  const name = `presence-${process.pid}-${Date.now().toString(36)}`;
  const nodes: Record<string, NodeProcess> = {};
  const all: NodeProcess[] = [];

  const startNode = async (node: string) => {
    const n = await NodeProcess.spawn(fixture);
    all.push(n);
    await n.call("start", { name, node, url: REDIS_URL, topic: TOPIC, timing: TIMING });
    nodes[node] = n;
    return n;
  };
  const keys = async (node: string) =>
    Object.keys(await nodes[node].call<Record<string, unknown>>("list", { topic: TOPIC })).sort();
  const diffs = (node: string) => nodes[node].call<Diff[]>("diffs");

  beforeAll(async () => {
    ensureBuilt();
    await Promise.all(["a", "b", "c"].map(startNode));
    for (const node of ["a", "b", "c"]) {
      for (const i of [1, 2])
        await nodes[node].call("track", { topic: TOPIC, key: `${node}${i}`, meta: { node } });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(all.map((n) => n.stop()));
  }, 30_000);

  it("every node lists every node's presences, the same", async () => {
    const want = ["a1", "a2", "b1", "b2", "c1", "c2"];
    for (const node of ["a", "b", "c"]) {
      await waitFor(
        `${node} lists all six`,
        async () => JSON.stringify(await keys(node)) === JSON.stringify(want),
        { timeoutMs: 30_000 },
      );
    }
    const lists = await Promise.all(["a", "b", "c"].map((n) => nodes[n].call("list", { topic: TOPIC })));
    expect(lists[1]).toEqual(lists[0]);
    expect(lists[2]).toEqual(lists[0]);
  }, 100_000);

  it("L26: a tracked process that exits leaves on every node", async () => {
    await nodes.a.call("kill", { h: 1 }); // a2
    for (const node of ["a", "b", "c"]) {
      await waitFor(`${node} drops a2`, async () => !(await keys(node)).includes("a2"), {
        timeoutMs: 30_000,
      });
    }
  }, 100_000);

  it("a node killed with SIGKILL leaves the others after the down period, in one diff, with nothing else", async () => {
    const before = { a: (await diffs("a")).length, b: (await diffs("b")).length };
    const killedAt = await nodes.a.call<number>("now");
    await nodes.c.kill();
    for (const node of ["a", "b"] as const) {
      await waitFor(
        `${node} drops c1 and c2`,
        async () => JSON.stringify(await keys(node)) === '["a1","b1","b2"]',
        {
          timeoutMs: 40_000,
        },
      );
      const since = (await diffs(node)).slice(before[node]);
      expect(since).toHaveLength(1);
      expect(since[0].diff.event).toBe("presence_diff");
      expect(since[0].diff.payload.joins).toEqual({});
      expect(Object.keys(since[0].diff.payload.leaves).sort()).toEqual(["c1", "c2"]);
      // Not before the down period, less the heartbeat that may have been in flight (two periods' slack).
      expect(since[0].at - killedAt).toBeGreaterThanOrEqual(
        TIMING.downPeriodMs - 2 * TIMING.broadcastPeriodMs,
      );
    }
    expect((await nodes.a.call<{ replicasDown: number }>("stats")).replicasDown).toBe(1);
  }, 100_000);

  it("a node started again under the killed node's name shows its new presences only, once", async () => {
    const before = (await diffs("a")).length;
    // The killed node's name is still claimed in Redis until its claim expires; the new node retries.
    const c = await NodeProcess.spawn(fixture);
    all.push(c);
    await waitFor(
      "c to start again",
      () =>
        c
          .call("start", { name, node: "c", url: REDIS_URL, topic: TOPIC, timing: TIMING })
          .then(() => true)
          .catch(() => false),
      { timeoutMs: 40_000, everyMs: 500 },
    );
    nodes.c = c;
    await c.call("track", { topic: TOPIC, key: "c3", meta: { node: "c" } });
    for (const node of ["a", "b", "c"]) {
      await waitFor(
        `${node} lists c3`,
        async () => JSON.stringify(await keys(node)) === '["a1","b1","b2","c3"]',
        { timeoutMs: 30_000 },
      );
    }
    const joins = (await diffs("a")).slice(before).flatMap((d) => Object.keys(d.diff.payload.joins));
    expect(joins).toEqual(["c3"]);
  }, 150_000);
});
