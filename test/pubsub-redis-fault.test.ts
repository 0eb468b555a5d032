/**
 * Redis goes away mid-stream and comes back: a real redis-server of our own (on a free port) is killed with
 * SIGKILL while node A streams broadcasts to a subscriber on node B, then restarted on the same port.
 * Checks: local delivery never stops; remote failures are reported, counted and logged once per outage;
 * ioredis reconnects and every topic is resubscribed (one subscribed during the outage too); what B gets is in
 * order and never duplicated (at most once, per-publisher FIFO).
 */

import { createRuntime, type Runtime } from "@cinder/actors";
import { type BroadcastResult, PubSub, redis } from "@cinder/pubsub";
import { afterAll, describe, expect, it } from "vitest";
import { recorder } from "../packages/pubsub/test/support/recorder.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "./helpers/redis.js";

const ok = redisServerAvailable("the Redis fault test");

interface Node {
  rt: Runtime;
  ps: PubSub;
  logs: string[];
}

async function startNode(url: string, name: string, node: string): Promise<Node> {
  const rt = createRuntime({ node });
  const logs: string[] = [];
  const ps = await PubSub.start({
    name,
    node,
    runtime: rt,
    adapter: redis({ url, redis: { retryStrategy: () => 50 } }),
    logger: (level, msg) => logs.push(`[${level}] ${msg}`),
  });
  return { rt, ps, logs };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe.skipIf(!ok)("pubsub over Redis: Redis killed and restarted mid-stream", () => {
  let server: RedisServer | undefined;
  const nodes: Node[] = [];
  afterAll(async () => {
    for (const n of nodes) await n.ps.stop();
    await server?.kill();
  });

  it("keeps local delivery, reports and counts failures, logs once per outage, reconnects and resubscribes", async () => {
    server = await startRedisServer();
    const name = `fault-${process.pid}`;
    const a = await startNode(server.url, name, "a");
    const b = await startNode(server.url, name, "b");
    nodes.push(a, b);
    const localSub = recorder<number>(a.rt);
    const remoteSub = recorder<number>(b.rt);
    const lateSub = recorder<number>(b.rt);
    a.ps.subscribe(localSub.pid, "stream");
    b.ps.subscribe(remoteSub.pid, "stream");
    await b.ps.sync();

    const results: { n: number; r: BroadcastResult }[] = [];
    let n = 0;
    const publish = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const seq = ++n;
        results.push({ n: seq, r: await a.ps.broadcast("stream", seq) });
        await sleep(2);
      }
    };

    // 1. Redis up: everything arrives.
    await publish(50);
    await until("phase 1 at b", () => remoteSub.got.length === 50);
    const phase1 = n;

    // 2. Redis killed mid-stream.
    await server.kill();
    await publish(50);
    const outageEnd = n;
    // Subscribed during the outage: must be in effect after the reconnect.
    b.ps.subscribe(lateSub.pid, "late");

    // 3. Redis back on the same port (empty: no persistence): both nodes reconnect and resubscribe.
    await server.start();
    await until("both nodes reconnected", () =>
      [a, b].every(
        (x) => x.ps.stats().adapter.connected === true && x.logs.some((l) => /reconnected/.test(l)),
      ),
    );
    await b.ps.sync();
    // The first broadcast after the reconnect also closes the pubsub's outage (and logs it).
    await publish(50);
    await until("phase 3 at b", () => remoteSub.got.includes(n));
    expect((await a.ps.broadcast("late", -1)).ok).toBe(true);
    await until("the topic subscribed during the outage", () => lateSub.got.length === 1);
    await a.rt.drain();

    // Local delivery never stopped, in order.
    expect(localSub.got).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // Remote: at most once and in order; all of phase 1 and phase 3.
    const got = remoteSub.got;
    for (let i = 1; i < got.length; i++) expect(got[i]).toBeGreaterThan(got[i - 1]);
    for (let s = 1; s <= phase1; s++) expect(got).toContain(s);
    for (let s = outageEnd + 1; s <= n; s++) expect(got).toContain(s);
    // Failures were reported, and counted, once each.
    const failed = results.filter((x) => !x.r.ok);
    expect(failed.length).toBeGreaterThan(40); // all but the few in flight when Redis died
    expect(failed.every((x) => x.n > phase1 && x.n <= outageEnd)).toBe(true);
    expect(a.ps.stats().remoteFailures).toBe(failed.length);
    expect(a.ps.stats().adapter.outages).toBe(1);
    expect(b.ps.stats().adapter.outages).toBe(1);
    // Logged once per outage: the connection loss, the first failed broadcast; then the recoveries.
    const count = (logs: string[], re: RegExp) => logs.filter((l) => re.test(l)).length;
    expect(count(a.logs, /lost the connection to Redis/)).toBe(1);
    expect(count(a.logs, /a broadcast could not reach the other nodes/)).toBe(1);
    expect(count(a.logs, /broadcasts reach the other nodes again/)).toBe(1);
    expect(count(a.logs, /reconnected to Redis; resubscribed/)).toBe(1);
    expect(count(b.logs, /lost the connection to Redis/)).toBe(1);
    expect(count(b.logs, /reconnected to Redis; resubscribed 2 topics/)).toBe(1);
  }, 60_000);
});
