import { createRuntime, Pid } from "@cinder/actors";
import { CodecError, NodeNameTakenError, PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, REDIS_URL, redisAvailable } from "../../../test/helpers/redis.js";
import { TestCluster, uniqueName } from "./support/cluster.js";

const ok = await redisAvailable("the redis adapter tests");

describe.skipIf(!ok)("redis adapter", () => {
  let raw: Redis;
  const clusters: TestCluster[] = [];
  const start = async (names: string[]) => {
    const c = await TestCluster.start(() => redis({ url: REDIS_URL }), names, { label: "redis" });
    clusters.push(c);
    return c;
  };
  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    for (const c of clusters.splice(0)) await c.stop();
  });
  afterAll(() => raw.disconnect());

  const numsub = async (channel: string) =>
    Number(((await raw.pubsub("NUMSUB", channel)) as [string, number])[1]);

  it("uses one publisher and one subscriber connection per node, whatever the number of topics and subscribers", async () => {
    const c = await start(["a", "b"]);
    for (const n of ["a", "b"]) {
      for (let i = 0; i < 300; i++) await c.get(n).ps.subscribe(c.recorder(n).pid, `topic-${i % 100}`);
    }
    await c.get("a").ps.sync();
    await c.get("b").ps.sync();
    const clients = ((await raw.client("LIST")) as string)
      .split("\n")
      .map((line) => /name=(\S*)/.exec(line)?.[1] ?? "")
      .filter((name) => name.startsWith(`cinder:${c.name}:`));
    expect(clients.sort()).toEqual([
      `cinder:${c.name}:pub`,
      `cinder:${c.name}:pub`,
      `cinder:${c.name}:sub`,
      `cinder:${c.name}:sub`,
    ]);
  });

  it("SUBSCRIBEs to a topic's channel only while the node has local subscribers (refcounted)", async () => {
    const c = await start(["a"]);
    const a = c.get("a");
    const channel = `cinder:${c.name}:t:news`;
    const [r1, r2] = [c.recorder("a"), c.recorder("a")];
    expect(await numsub(channel)).toBe(0);
    await c.subscribe("a", r1.pid, "news");
    await c.subscribe("a", r1.pid, "news");
    await c.subscribe("a", r2.pid, "news");
    expect(await numsub(channel)).toBe(1);
    await c.unsubscribe("a", r1.pid, "news");
    expect(await numsub(channel)).toBe(1);
    a.rt.exit(r2.pid, "kill"); // the last subscriber exits: UNSUBSCRIBE
    await a.ps.sync();
    expect(await numsub(channel)).toBe(0);
    const channels = ((await raw.pubsub("CHANNELS", `cinder:${c.name}:*`)) as string[]).sort();
    // What is left: the node channel, and the test harness's fence topic.
    expect(channels).toEqual([`cinder:${c.name}:n:a`, `cinder:${c.name}:t:$fence`]);
  });

  it("ignores and counts envelopes of unknown versions and malformed ones, logging each kind once a minute", async () => {
    const c = await start(["a"]);
    const a = c.get("a");
    const r = c.recorder("a");
    await c.subscribe("a", r.pid, "t");
    const channel = `cinder:${c.name}:t:t`;
    // [version, kind, origin, target, topic, from, payload, from, payload, ...]
    await raw.publish(channel, JSON.stringify([2, "b", "zz", null, "t", null, "from the future"]));
    await raw.publish(channel, JSON.stringify([2, "b", "zz", null, "t", null, "again"]));
    await raw.publish(channel, "not json");
    await raw.publish(channel, JSON.stringify([1, "b", "zz", null, "t", null, { "~nope": 1 }]));
    await raw.publish(channel, JSON.stringify([1, "b", "zz", null, "t", null]));
    await raw.publish(channel, JSON.stringify({ v: 1 }));
    await raw.publish(
      channel,
      JSON.stringify([1, "b", "zz", null, "t", ["zz", 3], "fine", null, "and this"]),
    );
    // The raw client is no node, so settle() cannot fence it: wait for the last (valid) one instead.
    for (let i = 0; i < 500 && r.got.length < 2; i++) await new Promise((res) => setTimeout(res, 2));
    await c.settle();
    expect(r.got).toEqual(["fine", "and this"]);
    expect(a.ps.stats().adapter).toMatchObject({
      ignoredUnknownVersion: 2,
      ignoredMalformed: 4,
      received: 2,
    });
    const warnings = a.logs.filter((l) => l.startsWith("[warn]"));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      /a message from Redis was dropped \(version\): envelope version 2 .*1 so far .*at most one line per kind every 60 s.*stats\(\)\.adapter\.ignoredUnknownVersion$/,
    );
  });

  it("consecutive broadcasts to one topic share a PUBLISH; a change of topic or channel ends the batch (order kept)", async () => {
    const c = await start(["a", "b"]);
    const rb = c.recorder("b");
    for (const t of ["x", "y"]) await c.subscribe("b", rb.pid, t);
    const a = c.get("a").ps;
    const before = a.stats().adapter;
    const sent = [];
    for (let i = 0; i < 600; i++) sent.push(a.broadcast("x", i)); // 256 + 256 + 88
    sent.push(a.broadcast("y", "y1"));
    sent.push(a.directBroadcast("b", "x", "direct"));
    sent.push(a.broadcast("x", "x-again"));
    expect(await Promise.all(sent)).toEqual(sent.map(() => ({ ok: true })));
    await c.settle();
    expect(rb.got).toEqual([...Array.from({ length: 600 }, (_, i) => i), "y1", "direct", "x-again"]);
    const after = a.stats().adapter;
    expect((after.published as number) - (before.published as number)).toBe(603 + 1); // + settle's fence
    expect((after.publishCommands as number) - (before.publishCommands as number)).toBe(6 + 1);
  });

  it("carries Pid, Date, Map, Set, BigInt, Uint8Array and plain data intact to another node, with the from pid", async () => {
    const c = await start(["a", "b"]);
    const rb = c.recorder("b");
    await c.subscribe("b", rb.pid, "t");
    const sender = c.recorder("a").pid;
    const msg = {
      event: "deploy",
      payload: {
        who: sender,
        at: new Date(1_700_000_000_000),
        steps: new Map([["org", { done: true }]]),
        tags: new Set(["a", "b"]),
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: [null, undefined, 1.5, "x"],
      },
    };
    let seenFrom: Pid | null = null;
    const d = await PubSub.start({
      name: c.name,
      node: "d",
      runtime: createRuntime({ node: "d" }),
      adapter: redis({ url: REDIS_URL }),
      dispatcher: (_entries, from) => {
        seenFrom = from;
      },
    });
    try {
      d.subscribe(c.recorder("b").pid, "t"); // a pid of another runtime: fine, only the dispatcher runs
      await d.sync();
      await c.get("a").ps.broadcastFrom(sender, "t", msg);
      await c.settle();
      expect(rb.got).toHaveLength(1);
      const got = rb.got[0] as typeof msg;
      const { who, ...rest } = got.payload;
      const { who: _, ...sentRest } = msg.payload;
      expect(rest).toStrictEqual(sentRest);
      expect(got.event).toBe("deploy");
      expect(who).toBeInstanceOf(Pid);
      expect(got.payload.who.equals(sender)).toBe(true);
      expect(got.payload.steps).toBeInstanceOf(Map);
      await new Promise((r) => setTimeout(r, 20));
      expect(seenFrom).not.toBeNull();
      expect((seenFrom as unknown as Pid).equals(sender)).toBe(true);
    } finally {
      await d.stop();
    }
  });

  it("a message the codec cannot carry throws a CodecError before anything is sent, locally or remotely", async () => {
    const c = await start(["a", "b"]);
    const [ra, rb] = [c.recorder("a"), c.recorder("b")];
    await c.subscribe("a", ra.pid, "t");
    await c.subscribe("b", rb.pid, "t");
    const a = c.get("a").ps;
    const published = a.stats().adapter.published as number;
    class Deployment {}
    expect(() => a.broadcast("t", { payload: { run: () => 1 } })).toThrow(CodecError);
    expect(() => a.broadcast("t", { payload: new Deployment() })).toThrow(
      /cannot send an instance of Deployment to another node .* at message\.payload/,
    );
    expect(() => a.directBroadcast("b", "t", [Symbol("x")])).toThrow(CodecError);
    await c.settle();
    expect(ra.got).toEqual([]);
    expect(rb.got).toEqual([]);
    expect(a.stats().adapter.published).toBe(published + 1); // settle()'s fence to b, nothing else
  });

  it("node names: a stale claim (its node is gone) is taken over; a live holder refuses; stop releases the name", async () => {
    const name = uniqueName("names");
    const key = (n: string) => `cinder:${name}:node:${n}`;
    const startNode = (node: string) =>
      PubSub.start({
        name,
        node,
        runtime: createRuntime({ node }),
        adapter: redis({ url: REDIS_URL }),
        logger: () => {},
      });

    // A node that crashed left its key behind, but nobody listens on its node channel any more.
    await raw.set(key("x"), "crashed-instance", "PX", 15_000);
    const x = await startNode("x");
    expect(await raw.get(key("x"))).not.toBe("crashed-instance");

    // A live holder: its key, and a subscriber on its node channel.
    // Connected before SUBSCRIBE: ioredis may otherwise send its ready check (INFO) after it, and fail.
    const holder = new Redis(REDIS_URL, { lazyConnect: true });
    await holder.connect();
    await raw.set(key("y"), "live-instance", "PX", 15_000);
    await holder.subscribe(`cinder:${name}:n:y`);
    await expect(startNode("y")).rejects.toThrow(NodeNameTakenError);
    expect(await raw.get(key("y"))).toBe("live-instance");
    holder.disconnect();

    await x.stop();
    expect(await raw.exists(key("x"))).toBe(0);
    await raw.del(key("y"));
  });

  it("node names: the heartbeat notices another live holder once (logged, counted), and claims back when it is gone", async () => {
    const name = uniqueName("heartbeat");
    const key = `cinder:${name}:node:h`;
    const logs: string[] = [];
    const h = await PubSub.start({
      name,
      node: "h",
      runtime: createRuntime({ node: "h" }),
      adapter: redis({ url: REDIS_URL, nameTtlMs: 300 }), // a heartbeat every 100 ms
      logger: (level, msg) => logs.push(`[${level}] ${msg}`),
    });
    const intruder = new Redis(REDIS_URL, { lazyConnect: true });
    await intruder.connect();
    try {
      await intruder.subscribe(`cinder:${name}:n:h`);
      await raw.set(key, "intruder", "PX", 10_000);
      await new Promise((r) => setTimeout(r, 450));
      expect(h.stats().adapter.nameConflicts).toBe(1);
      expect(logs.filter((l) => /another live node holds the node name "h"/.test(l))).toHaveLength(1);
      await intruder.unsubscribe();
      await raw.del(key);
      await new Promise((r) => setTimeout(r, 250));
      const holder = await raw.get(key);
      expect(holder).not.toBeNull();
      expect(holder).not.toBe("intruder");
    } finally {
      intruder.disconnect();
      await h.stop();
    }
  });

  it("start rejects with a clear error when Redis does not answer", async () => {
    const port = await freePort();
    await expect(
      PubSub.start({
        name: "nowhere",
        adapter: redis({ url: `redis://127.0.0.1:${port}` }),
        logger: () => {},
      }),
    ).rejects.toThrow(new RegExp(`redis: cannot connect to redis://127.0.0.1:${port}`));
  });
});
