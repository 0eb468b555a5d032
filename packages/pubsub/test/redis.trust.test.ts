import { CodecError, jsonCodec, type RedisAdapterOptions, redis } from "@cinder/pubsub";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, redisAvailable } from "../../../test/helpers/redis.js";
import { TestCluster } from "./support/cluster.js";
import type { Recorder } from "./support/recorder.js";
import { sign } from "./support/signature.js";

// What the redis adapter trusts, over a real Redis: senders keep within the receivers' limits, and with a
// cluster key only what a key holder signed is delivered.

const ok = await redisAvailable("the redis adapter trust tests");

const K1 = "first-cluster-key-0123456789abcdef";
const K2 = "second-cluster-key-0123456789abcdef";

function envelope(topic: string, payloads: unknown[]): string {
  return JSON.stringify([
    1,
    "b",
    "raw",
    null,
    topic,
    ...payloads.flatMap((p) => [null, jsonCodec.encode(p)]),
  ]);
}

/** Waits (polling, generous deadline) until `cond` holds. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe.skipIf(!ok)("redis adapter: remote input", () => {
  let raw: Redis;
  const clusters: TestCluster[] = [];
  /** A cluster whose nodes get these options, in order. */
  const start = async (perNode: RedisAdapterOptions[]) => {
    let i = 0;
    const names = perNode.map((_, k) => String.fromCharCode(97 + k));
    const c = await TestCluster.start(() => redis({ url: REDIS_URL, ...perNode[i++] }), names, {
      label: "trust",
    });
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

  it("a sender never exceeds the receivers' limits: too large a message throws before anything is sent; batches split by bytes and by items", async () => {
    const limits = { maxEnvelopeBytes: 2000, maxItems: 10 };
    const c = await start([{ limits }, { limits }]);
    const rb = c.recorder("b");
    await c.subscribe("b", rb.pid, "t");
    const ra = c.recorder("a");
    await c.subscribe("a", ra.pid, "t");
    // Watch what goes through Redis on the topic's channel.
    const spy = new Redis(REDIS_URL);
    const seen: Buffer[] = [];
    spy.on("messageBuffer", (_ch: Buffer, m: Buffer) => seen.push(m));
    await spy.subscribe(`cinder:${c.name}:t:t`);
    try {
      const a = c.get("a").ps;
      expect(() => a.broadcast("t", "x".repeat(2000))).toThrow(CodecError);
      expect(() => a.broadcast("t", "x".repeat(2000))).toThrow(
        /past limits\.maxEnvelopeBytes \(2000\), which receivers refuse/,
      );
      const before = a.stats().adapter.publishCommands as number;
      const big = Array.from({ length: 30 }, (_, i) => `${i}:${"y".repeat(300)}`);
      const small = Array.from({ length: 50 }, (_, i) => i);
      const results = [...big, ...small].map((m) => a.broadcast("t", m));
      expect(await Promise.all(results)).toEqual(results.map(() => ({ ok: true })));
      // 30 messages of ~310 bytes: 6 per envelope (2000 bytes); then 10 per envelope (the last big one's
      // envelope takes 4 small ones).
      expect((a.stats().adapter.publishCommands as number) - before).toBe(10);
      await c.settle();
      expect(rb.got).toEqual([...big, ...small]);
      // The refused message reached nobody, here either.
      expect(ra.got).toEqual([...big, ...small]);
      await until(() => seen.length >= 10, "the spy's copies");
      for (const m of seen) expect(m.length).toBeLessThanOrEqual(2000);
      const drops = Object.entries(c.get("b").ps.stats().adapter).filter(
        ([k, v]) => k.startsWith("ignored") && k !== "ignoredOwn" && v !== 0,
      );
      expect(drops).toEqual([]);
    } finally {
      spy.disconnect();
    }
  });

  it("with a cluster key, nodes sign what they send and drop (counted) what is unsigned or signed with another key", async () => {
    const c = await start([{ clusterKey: K1 }, { clusterKey: K1 }, { clusterKey: K2 }]);
    const rb = c.recorder("b");
    const rc = c.recorder("c");
    await c.subscribe("b", rb.pid, "t");
    await c.subscribe("c", rc.pid, "t");
    await c.get("a").ps.broadcast("t", "from a");
    const channel = `cinder:${c.name}:t:t`;
    await raw.publish(channel, envelope("t", ["unsigned"]));
    await raw.publish(channel, sign(K2, channel, envelope("t", ["signed with c's key"])));
    await raw.publish(channel, sign(K1, channel, envelope("t", ["signed with the key"])));
    await until(() => rb.got.length >= 2, "b's messages");
    expect(rb.got).toEqual(["from a", "signed with the key"]);
    // c has another key: it takes only what is signed with its own.
    await until(() => rc.got.length >= 1, "c's message");
    const b = c.get("b").ps.stats().adapter;
    expect(b).toMatchObject({ ignoredUnsigned: 1, ignoredBadSignature: 1 });
    expect(c.get("b").logs.filter((l) => l.includes("dropped (unsigned)"))).toHaveLength(1);
    // a's broadcast and the one signed with K1.
    const stats = () => c.get("c").ps.stats().adapter;
    await until(() => (stats().ignoredBadSignature as number) >= 2, "c's drops");
    expect(stats()).toMatchObject({ ignoredUnsigned: 1, ignoredBadSignature: 2 });
    expect(rc.got).toEqual(["signed with c's key"]);
  });

  it("the key rotates without downtime: at every step of a rolling change, every pair of nodes still hears each other", async () => {
    // Old key only -> [old, new] everywhere (old signs) -> [new, old] everywhere (new signs) -> new only. A rolling
    // restart puts nodes of two neighbouring steps side by side: each such pair must work both ways.
    const steps = [[K1], [K1, K2], [K2, K1], [K2]];
    for (let s = 0; s + 1 < steps.length; s++) {
      const c = await start([{ clusterKey: steps[s] }, { clusterKey: steps[s + 1] }]);
      const got: Record<string, Recorder> = { a: c.recorder("a"), b: c.recorder("b") };
      await c.subscribe("a", got.a.pid, "t");
      await c.subscribe("b", got.b.pid, "t");
      await c.get("a").ps.broadcast("t", `a at step ${s}`);
      await c.get("b").ps.broadcast("t", `b at step ${s + 1}`);
      await c.settle();
      // Each node's own broadcast is local and immediate, the other's comes through Redis: order across
      // publishers is not promised.
      for (const n of ["a", "b"])
        expect(got[n].got.slice().sort()).toEqual([`a at step ${s}`, `b at step ${s + 1}`]);
      for (const n of ["a", "b"]) expect(c.get(n).ps.stats().adapter.ignoredBadSignature).toBe(0);
      await c.stop();
      clusters.splice(clusters.indexOf(c), 1);
    }
  });

  it("random and mutated envelopes published to Redis are delivered if and only if valid and signed (property)", async () => {
    const c = await start([{ clusterKey: K1 }]);
    const r = c.recorder("a");
    await c.subscribe("a", r.pid, "t");
    const channel = `cinder:${c.name}:t:t`;
    const other = `cinder:${c.name}:t:u`;
    let seq = 0;
    const message = fc.record({
      payload: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)),
      how: fc.oneof(
        fc.constant({ op: "valid" as const }),
        fc.constant({ op: "unsigned" as const }),
        fc.constant({ op: "other-key" as const }),
        fc.constant({ op: "wrong-topic" as const }),
        fc.constant({ op: "signed-for-another-channel" as const }),
        fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ op: fc.constant("garbage" as const), bytes: fc.uint8Array({ maxLength: 60 }) }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (msgs) => {
        r.got.length = 0;
        const expected: unknown[] = [];
        for (const { payload, how } of msgs) {
          const body = envelope("t", [payload]);
          let out: Buffer = Buffer.from(sign(K1, channel, body));
          if (how.op === "valid") expected.push(payload);
          else if (how.op === "unsigned") out = Buffer.from(body);
          else if (how.op === "other-key") out = Buffer.from(sign(K2, channel, body));
          else if (how.op === "wrong-topic") out = Buffer.from(sign(K1, channel, envelope("u", [payload])));
          else if (how.op === "signed-for-another-channel") out = Buffer.from(sign(K1, other, body));
          else if (how.op === "flip") out[how.at % out.length] ^= 1 << how.bit;
          else out = Buffer.from(how.bytes);
          await raw.publish(channel, out);
        }
        // The raw client is no node, so settle() cannot fence it: a last valid message marks the end.
        const end = `end-${++seq}`;
        await raw.publish(channel, sign(K1, channel, envelope("t", [end])));
        await until(() => r.got.includes(end), end);
        expect(r.got).toEqual([...expected, end]);
      }),
      { numRuns: 25 },
    );
  });

  it("refuses bad limits and keys when the adapter is made, naming the option", () => {
    expect(() => redis({ limits: { maxItems: 0 } })).toThrow(
      /redis: limits\.maxItems must be a positive integer, got 0/,
    );
    expect(() => redis({ limits: { maxBytes: 1 } as never })).toThrow(/unknown limit "maxBytes"/);
    expect(() => redis({ clusterKey: "too short" })).toThrow(/redis: clusterKey is 9 bytes; use at least 16/);
  });
});
