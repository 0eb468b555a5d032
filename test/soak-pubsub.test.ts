/**
 * No-leak soak of the PubSub: processes subscribe (a shared topic, a topic of their own, a duplicate), get a
 * broadcast, and exit (half killed, half stopping normally), cycle after cycle. Afterwards the process table,
 * the PubSub index (topics, subscriptions, subscribed processes) and the runtime's timers are empty, and the
 * heap (after GC) is within 10% of where it started. With the Redis adapter, also the node's Redis channel
 * subscriptions are back to its node channel alone (every topic channel was UNSUBSCRIBEd as its last local
 * subscriber went). `npm test` runs small sizes; `npm run soak` runs 100k cycles and prints its figures.
 * (packages/pubsub/test/leak.test.ts checks the local adapter's index at 100k in every run; this one adds
 * the heap rule shared by the soak set, the timers, and the Redis adapter.)
 */
import { createRuntime, type Runtime, stop } from "@cinder/actors";
import { PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { SOAK, settledHeap, size } from "./helpers/heap.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const redisOk = await redisAvailable("the Redis part of the PubSub soak");

const member = {
  init: () => 0,
  handleInfo: (m: unknown, n: number) => (m === "stop" ? stop("normal", n) : n + 1),
};

/** `n` subscribe/broadcast/exit cycles, in batches. */
async function cycles(rt: Runtime, ps: PubSub, n: number, offset: number): Promise<void> {
  const BATCH = 1000;
  for (let b = 0; b < n; b += BATCH) {
    const pids = [];
    for (let i = 0; i < Math.min(BATCH, n - b); i++) {
      const pid = rt.spawn(member);
      ps.subscribe(pid, "shared");
      ps.subscribe(pid, `own-${offset + b + i}`, { metadata: { i } });
      ps.subscribe(pid, "shared");
      pids.push(pid);
    }
    ps.localBroadcast("shared", "tick");
    for (let i = 0; i < pids.length; i++) {
      if (i % 2 === 0) rt.exit(pids[i], "kill");
      else rt.send(pids[i], "stop");
    }
    await rt.drain();
    await ps.sync();
  }
}

async function soak(label: string, rt: Runtime, ps: PubSub, n: number): Promise<void> {
  await cycles(rt, ps, Math.min(n, 5000), 0); // warm-up: JIT, map capacities
  const before = await settledHeap();
  const t0 = performance.now();
  await cycles(rt, ps, n, 1e7);
  const ms = performance.now() - t0;
  const after = await settledHeap();
  const growth = (after - before) / before;
  const stats = ps.stats();
  if (SOAK) {
    console.log(
      `${label}: ${n} subscribe/exit cycles in ${ms.toFixed(0)} ms; heap ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%); runtime ${JSON.stringify(rt.stats())}; pubsub ${JSON.stringify({ topics: stats.topics, subscriptions: stats.subscriptions, processes: stats.processes })}`,
    );
  }
  expect(rt.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
  expect(stats).toMatchObject({ topics: 0, subscriptions: 0, processes: 0, remoteFailures: 0 });
  expect(growth).toBeLessThan(0.1);
}

describe("soak: the PubSub leaks nothing", () => {
  it("local adapter: subscribe/exit cycles leave an empty index and the heap where it was", async () => {
    const rt = createRuntime({ node: "soak-local", logger: () => {} });
    const ps = await PubSub.start({ name: "soak-local", runtime: rt });
    await soak("pubsub (local)", rt, ps, size(20_000, 100_000));
    await ps.stop();
  }, 120_000);

  it.skipIf(!redisOk)(
    "redis adapter: the same, and the node's Redis subscriptions are back to its node channel",
    async () => {
      const rt = createRuntime({ node: "soak-redis", logger: () => {} });
      const name = `soak-${process.pid}-${Date.now()}`;
      const ps = await PubSub.start({ name, node: "n1", runtime: rt, adapter: redis({ url: REDIS_URL }) });
      const raw = new Redis(REDIS_URL);
      try {
        await soak("pubsub (redis)", rt, ps, size(5_000, 100_000));
        const channels = (await raw.pubsub("CHANNELS", `cinder:${name}:*`)) as string[];
        expect(channels).toEqual([`cinder:${name}:n:n1`]);
        expect(ps.stats().adapter).toMatchObject({ connected: true, outages: 0 });
      } finally {
        raw.disconnect();
        await ps.stop();
      }
    },
    180_000,
  );
});
