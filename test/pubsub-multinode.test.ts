/**
 * Cross-node laws with real processes: three Node processes (test/fixtures/pubsub-node.mjs), each with its own
 * runtime and a PubSub on the Redis adapter, driven over IPC. Checks L13-L17 across them, the codec across a
 * process boundary, and node-name uniqueness (refused while the holder lives, taken over once it was killed).
 *
 * The children run the BUILT packages (packages/*\/dist). `npm test` runs `tsc -b` before vitest; when the
 * sources are newer than dist (vitest run alone after an edit), this test runs `tsc -b packages/pubsub` first.
 */

import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeProcess as Child, ensureBuilt } from "./helpers/node-process.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = await redisAvailable("the multi-node pubsub test");
const fixture = fileURLToPath(new URL("./fixtures/pubsub-node.mjs", import.meta.url));

describe.skipIf(!ok)("pubsub across three Node processes over Redis", () => {
  const name = `multinode-${process.pid}-${Date.now().toString(36)}`;
  const nodes: Record<string, Child> = {};
  const all: Child[] = [];
  let fenceSeq = 0;

  const startChild = async (node: string) => {
    const c = await Child.spawn(fixture);
    all.push(c);
    await c.call("start", { name, node, url: REDIS_URL });
    return c;
  };

  /** Everything sent so far has been handled everywhere: fences from every node to every other one. */
  const settle = async () => {
    const names = Object.keys(nodes);
    const tok = `f${++fenceSeq}`;
    await Promise.all(
      names.map((n) => nodes[n].call("fence", { to: names.filter((m) => m !== n), token: `${tok}:${n}` })),
    );
    await Promise.all(
      names.map((n) =>
        nodes[n].call("waitFences", { tokens: names.filter((m) => m !== n).map((m) => `${tok}:${m}>${n}`) }),
      ),
    );
  };

  const spawnOn = (node: string) => nodes[node].call<number>("spawn");
  const got = (node: string, h: number) => nodes[node].call<unknown[]>("got", { h });

  beforeAll(async () => {
    ensureBuilt();
    const [a, b, c] = await Promise.all([startChild("a"), startChild("b"), startChild("c")]);
    Object.assign(nodes, { a, b, c });
  }, 60_000);

  afterAll(async () => {
    for (const c of all) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) {
        await Promise.race([c.call("stop"), new Promise((r) => setTimeout(r, 2000))]);
        c.proc.kill();
      }
    }
  });

  it("L13/L14: k subscriptions give k copies on each node, other topics nothing; unsubscribe drops them", async () => {
    const [hb, hc, hOther] = [await spawnOn("b"), await spawnOn("c"), await spawnOn("c")];
    await nodes.b.call("subscribe", { h: hb, topic: "l13" });
    await nodes.b.call("subscribe", { h: hb, topic: "l13" });
    await nodes.c.call("subscribe", { h: hc, topic: "l13" });
    await nodes.c.call("subscribe", { h: hOther, topic: "l14" });
    expect(await nodes.a.call("broadcast", { topic: "l13", msg: "one" })).toEqual({ ok: true });
    await settle();
    expect(await got("b", hb)).toEqual(["one", "one"]);
    expect(await got("c", hc)).toEqual(["one"]);
    expect(await got("c", hOther)).toEqual([]);
    await nodes.b.call("unsubscribe", { h: hb, topic: "l13" });
    await nodes.a.call("broadcast", { topic: "l13", msg: "two" });
    await settle();
    expect(await got("b", hb)).toEqual(["one", "one"]);
    expect(await got("c", hc)).toEqual(["one", "two"]);
  });

  it("L15: broadcastFrom(P) reaches every subscription on every node except P's", async () => {
    const [p, q, rb] = [await spawnOn("a"), await spawnOn("a"), await spawnOn("b")];
    for (const [n, h] of [
      ["a", p],
      ["a", q],
      ["b", rb],
    ] as const) {
      await nodes[n].call("subscribe", { h, topic: "l15" });
    }
    await nodes.a.call("broadcastFrom", { h: p, topic: "l15", msg: "x" });
    await settle();
    expect([await got("a", p), await got("a", q), await got("b", rb)]).toEqual([[], ["x"], ["x"]]);
  });

  it("L16: two publishers on two nodes; each subscriber sees each publisher's messages in order, none lost or doubled", async () => {
    const subs = { a: await spawnOn("a"), b: await spawnOn("b"), c: await spawnOn("c") };
    for (const n of ["a", "b", "c"] as const) await nodes[n].call("subscribe", { h: subs[n], topic: "l16" });
    const pubA = await spawnOn("a");
    const pubC = await spawnOn("c");
    const N = 2000;
    const failures = await Promise.all([
      nodes.a.call("burst", { h: pubA, topic: "l16", count: N, tag: "A" }),
      nodes.c.call("burst", { h: pubC, topic: "l16", count: N, tag: "C" }),
    ]);
    expect(failures).toEqual([0, 0]);
    await settle();
    const seqs = Array.from({ length: N }, (_, i) => i + 1);
    for (const n of ["a", "b", "c"] as const) {
      const msgs = (await got(n, subs[n])) as { tag: string; seq: number }[];
      expect(msgs.filter((m) => m.tag === "A").map((m) => m.seq)).toEqual(seqs);
      expect(msgs.filter((m) => m.tag === "C").map((m) => m.seq)).toEqual(seqs);
    }
  });

  it("L17: broadcast reaches every node once; localBroadcast only its node; directBroadcast(n) only n; unknown n is ok", async () => {
    const r = { a: await spawnOn("a"), b: await spawnOn("b"), c: await spawnOn("c") };
    for (const n of ["a", "b", "c"] as const) await nodes[n].call("subscribe", { h: r[n], topic: "l17" });
    await nodes.a.call("broadcast", { topic: "l17", msg: "all" });
    await nodes.a.call("localBroadcast", { topic: "l17", msg: "local" });
    expect(await nodes.a.call("directBroadcast", { node: "b", topic: "l17", msg: "to-b" })).toEqual({
      ok: true,
    });
    expect(await nodes.a.call("directBroadcast", { node: "zz", topic: "l17", msg: "lost" })).toEqual({
      ok: true,
    });
    await settle();
    expect([await got("a", r.a), await got("b", r.b), await got("c", r.c)]).toEqual([
      ["all", "local"],
      ["all", "to-b"],
      ["all"],
    ]);
  });

  it("carries Map, Set, Date, BigInt, Uint8Array and pids across processes", async () => {
    const h = await spawnOn("b");
    await nodes.b.call("subscribe", { h, topic: "codec" });
    const sender = await spawnOn("a");
    const msg = {
      at: new Date(1_700_000_000_000),
      m: new Map([["k", new Set([1, 2])]]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([9, 8, 7]),
    };
    await nodes.a.call("broadcast", { topic: "codec", msg, withPid: sender });
    await settle();
    const senderPid = await nodes.a.call<string>("pidOf", { h: sender });
    expect(senderPid).toMatch(/^pid:<a\.\d+>$/);
    expect(await got("b", h)).toEqual([{ ...msg, who: senderPid }]);
  });

  it("a node name is unique: a second live 'b' is refused; a killed node's name can be taken at once", async () => {
    const dup = await Child.spawn(fixture);
    all.push(dup);
    await expect(dup.call("start", { name, node: "b", url: REDIS_URL })).rejects.toThrow(
      /node name "b" is already used/,
    );
    // Kill c without a goodbye (its claim stays in Redis), then start a new c: the stale claim is taken over.
    nodes.c.proc.kill("SIGKILL");
    await new Promise((r) => nodes.c.proc.once("exit", r));
    nodes.c = await startChild("c");
    const h = await spawnOn("c");
    await nodes.c.call("subscribe", { h, topic: "after" });
    await nodes.a.call("broadcast", { topic: "after", msg: "hello new c" });
    await settle();
    expect(await got("c", h)).toEqual(["hello new c"]);
  });
});
