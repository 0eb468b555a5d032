import { createRuntime } from "@cinder/actors";
import { CodecError, LocalCluster, local, Presence, PubSub } from "@cinder/pubsub";
import { describe, expect, it } from "vitest";
import { settle, until } from "../../actors/test/support/helpers.js";
import { SimCluster, TIMING } from "./support/presence_nodes.js";

const T = "room:lobby";

describe("Presence on one node", () => {
  it("L23: track, list and get; one presence per (pid, topic, key), every phx_ref unique", async () => {
    const c = await SimCluster.start(["a"], [T]);
    const [a] = c.nodes;
    const p1 = c.spawnUser(a);
    const p2 = c.spawnUser(a);
    const r1 = a.presence.track(p1, T, "alice", { device: "phone" });
    const r2 = a.presence.track(p2, T, "alice", { device: "laptop" });
    const r3 = a.presence.track(p1, T, "bob", {});
    expect(a.presence.track(p1, T, "alice", { device: "again" })).toEqual({
      ok: false,
      reason: "already_tracked",
    });
    expect(r1.ok && r2.ok && r3.ok).toBe(true);
    const refs = [r1, r2, r3].map((r) => (r.ok ? r.ref : ""));
    expect(new Set(refs).size).toBe(3);
    expect(a.presence.list(T)).toEqual({
      alice: {
        metas: [
          { device: "phone", phx_ref: refs[0] },
          { device: "laptop", phx_ref: refs[1] },
        ],
      },
      bob: { metas: [{ phx_ref: refs[2] }] },
    });
    expect(a.presence.get(T, "bob")).toEqual({ metas: [{ phx_ref: refs[2] }] });
    expect(a.presence.get(T, "carol")).toBeUndefined();
    expect(a.presence.list("room:empty")).toEqual({});
  });

  it("L25: update is a join of the new meta (phx_ref_prev = old ref) and a leave of the old, in one diff", async () => {
    const c = await SimCluster.start(["a"], [T]);
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    const r = a.presence.track(p, T, "alice", { status: "away" });
    await c.flush();
    const u = a.presence.update(p, T, "alice", (old) => ({ ...old, status: "online" }));
    expect(u.ok).toBe(true);
    const oldRef = r.ok ? r.ref : "";
    const newRef = u.ok ? u.ref : "";
    expect(newRef).not.toBe(oldRef);
    expect(a.presence.list(T)).toEqual({
      alice: { metas: [{ status: "online", phx_ref: newRef, phx_ref_prev: oldRef }] },
    });
    await c.flush();
    const diffs = a.diffs.get(T)!;
    expect(diffs.at(-1)).toEqual({
      topic: T,
      event: "presence_diff",
      payload: {
        joins: { alice: { metas: [{ status: "online", phx_ref: newRef, phx_ref_prev: oldRef }] } },
        leaves: { alice: { metas: [{ status: "away", phx_ref: oldRef }] } },
      },
    });
    expect(a.presence.update(p, T, "nobody", {})).toEqual({ ok: false, reason: "nopresence" });
  });

  it("L26: a tracked process that exits leaves every topic it was in", async () => {
    const c = await SimCluster.start(["a"], [T, "room:2"]);
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    a.presence.track(p, T, "alice", {});
    a.presence.track(p, "room:2", "alice", {});
    await c.flush();
    a.rt.exit(p, "kill");
    await c.flush();
    expect(a.presence.list(T)).toEqual({});
    expect(a.presence.list("room:2")).toEqual({});
    for (const t of [T, "room:2"]) {
      expect(Object.keys(a.diffs.get(t)!.at(-1)!.payload.leaves)).toEqual(["alice"]);
    }
    // A dead pid is refused, not tracked for a moment.
    expect(a.presence.track(p, T, "alice", {})).toEqual({ ok: false, reason: "noproc" });
  });

  it("untrack: one key, one topic, or everywhere; untracking nothing is fine", async () => {
    const c = await SimCluster.start(["a"], [T]);
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    a.presence.track(p, T, "x", {});
    a.presence.track(p, T, "y", {});
    a.presence.track(p, "room:2", "x", {});
    a.presence.untrack(p, T, "x");
    expect(Object.keys(a.presence.list(T))).toEqual(["y"]);
    a.presence.untrack(p, T);
    expect(a.presence.list(T)).toEqual({});
    a.presence.untrack(p);
    expect(a.presence.list("room:2")).toEqual({});
    a.presence.untrack(p, T, "never");
  });

  it("presence_diff batching: 200 joins in one tick arrive as one diff per subscriber", async () => {
    const c = await SimCluster.start(["a"], [T]);
    const [a] = c.nodes;
    // A second subscriber on the same topic: each gets exactly one diff.
    const other: unknown[] = [];
    const rec = a.rt.spawn({
      init: () => null,
      handleInfo: (m: unknown, s: null) => {
        other.push(m);
        return s;
      },
    });
    a.ps.subscribe(rec, T);
    for (let i = 0; i < 200; i++) a.presence.track(c.spawnUser(a), T, `user${i}`, { i });
    await c.flush();
    expect(a.diffs.get(T)!.length).toBe(1);
    expect(other.length).toBe(1);
    expect(Object.keys(a.diffs.get(T)![0].payload.joins).length).toBe(200);
  });

  it("fetch enriches list, get and every diff (Phoenix's fetch/2)", async () => {
    const users: Record<string, string> = { "1": "Ada", "2": "Grace" };
    const c = await SimCluster.start(["a"], [T], {
      fetch: (_topic, presences) => {
        const out: typeof presences = Object.create(null);
        for (const [k, v] of Object.entries(presences)) out[k] = { ...v, user: users[k] };
        return out;
      },
    });
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    a.presence.track(p, T, "1", {});
    expect(a.presence.list(T)["1"].user).toBe("Ada");
    expect(a.presence.get(T, "1")?.user).toBe("Ada");
    await c.flush();
    expect(a.diffs.get(T)![0].payload.joins["1"].user).toBe("Ada");
  });

  it("a fetch that throws costs its topic's diff, logged; other topics and the tracker go on", async () => {
    const c = await SimCluster.start(["a"], [T, "room:2"], {
      fetch: (topic, presences) => {
        if (topic === T) throw new Error("fetch failed");
        return presences;
      },
    });
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    a.presence.track(p, T, "k", {});
    a.presence.track(p, "room:2", "k", {});
    await c.flush();
    expect(a.diffs.get(T)).toEqual([]);
    expect(a.diffs.get("room:2")!.length).toBe(1);
    expect(a.logs.some((l) => l.includes("no presence_diff for room:lobby"))).toBe(true);
    a.presence.untrack(p, "room:2");
    await c.flush();
    expect(a.diffs.get("room:2")!.length).toBe(2);
  });

  it("checks its arguments, and a meta the codec cannot carry fails at the caller", async () => {
    const c = await SimCluster.start(["a"], [T]);
    const [a] = c.nodes;
    const p = c.spawnUser(a);
    expect(() => a.presence.track("pid" as never, T, "k", {})).toThrow(/expected a Pid/);
    expect(() => a.presence.track(p, "", "k", {})).toThrow(/topic must be a non-empty string/);
    expect(() => a.presence.track(p, T, 1 as never, {})).toThrow(/key must be a string/);
    expect(() => a.presence.track(p, T, "k", [] as never)).toThrow(/meta must be a plain object/);
    expect(() => a.presence.track(p, T, "k", { f: () => 1 })).toThrow(CodecError);
    expect(a.presence.list(T)).toEqual({});
    expect(() => Presence.start({ pubsub: {} as never, name: "x" })).toThrow(/pubsub must be a PubSub/);
    const ps = await PubSub.start({ name: "x" });
    expect(() => Presence.start({ pubsub: ps, name: "x", downPeriodMs: 10, broadcastPeriodMs: 100 })).toThrow(
      /broadcastPeriodMs <= downPeriodMs <= permdownPeriodMs/,
    );
    a.presence.stop();
    expect(() => a.presence.track(p, T, "k", {})).toThrow(/is stopped/);
    await ps.stop();
  });
});

describe("Presence across nodes (simulated network)", () => {
  it("replicates joins, updates and leaves to every node", async () => {
    const c = await SimCluster.start(["a", "b", "c"], [T]);
    const [a, b, cc] = c.nodes;
    const p = c.spawnUser(a);
    a.presence.track(p, T, "alice", { v: 1 });
    await c.quiesce(2);
    expect(b.presence.list(T)).toEqual(a.presence.list(T));
    expect(cc.presence.list(T)).toEqual(a.presence.list(T));
    a.presence.update(p, T, "alice", { v: 2 });
    await c.quiesce(2);
    expect(b.presence.get(T, "alice")?.metas[0].v).toBe(2);
    a.rt.exit(p, "kill");
    await c.quiesce(2);
    expect(b.presence.list(T)).toEqual({});
    expect(cc.presence.list(T)).toEqual({});
  });

  it("L28: a node cut off past the down period leaves in one diff, and joins again when it returns", async () => {
    const c = await SimCluster.start(["a", "b"], [T]);
    const [a, b] = c.nodes;
    for (let i = 0; i < 3; i++) a.presence.track(c.spawnUser(a), T, `u${i}`, {});
    await c.quiesce(2);
    const before = b.presence.list(T);
    expect(Object.keys(before).length).toBe(3);
    const seen = b.diffs.get(T)!.length;
    c.net.partition("a", "b");
    await c.quiesce(TIMING.downPeriodMs / TIMING.broadcastPeriodMs + 2);
    expect(b.presence.list(T)).toEqual({});
    const down = b.diffs.get(T)!.slice(seen);
    expect(down.length).toBe(1);
    expect(Object.keys(down[0].payload.leaves).sort()).toEqual(["u0", "u1", "u2"]);
    expect(b.presence.stats().replicasDown).toBe(1);
    c.net.heal();
    await c.quiesce(3);
    expect(b.presence.list(T)).toEqual(before);
    const up = b.diffs.get(T)!.slice(seen + 1);
    expect(up.length).toBe(1);
    expect(Object.keys(up[0].payload.joins).sort()).toEqual(["u0", "u1", "u2"]);
    expect(up[0].payload.leaves).toEqual({});
  });

  it("L28 after permdown: a node forgotten for good is caught up from scratch when it returns, once", async () => {
    const c = await SimCluster.start(["a", "b"], [T]);
    const [a, b] = c.nodes;
    a.presence.track(c.spawnUser(a), T, "u1", {});
    await c.quiesce(2);
    c.net.partition("a", "b");
    await c.quiesce(TIMING.permdownPeriodMs / TIMING.broadcastPeriodMs + 2);
    expect(b.presence.stats().replicasDown + b.presence.stats().replicasUp).toBe(0); // forgotten
    a.presence.track(c.spawnUser(a), T, "u2", {}); // made while away
    c.net.heal();
    await c.quiesce(3);
    expect(Object.keys(b.presence.list(T)).sort()).toEqual(["u1", "u2"]);
    const joins = b.diffs.get(T)!.flatMap((d) => Object.keys(d.payload.joins));
    const leaves = b.diffs.get(T)!.flatMap((d) => Object.keys(d.payload.leaves));
    expect(joins.sort()).toEqual(["u1", "u1", "u2"]); // u1 before the cut and after it; u2 once
    expect(leaves).toEqual(["u1"]); // when a went down
  });

  it("a stopped node's presences leave the others at once (it says goodbye)", async () => {
    const c = await SimCluster.start(["a", "b"], [T]);
    const [a, b] = c.nodes;
    a.presence.track(c.spawnUser(a), T, "alice", {});
    await c.quiesce(2);
    expect(Object.keys(b.presence.list(T))).toEqual(["alice"]);
    a.presence.stop();
    c.net.deliverAll();
    await c.flush();
    expect(b.presence.list(T)).toEqual({});
  });

  it("a restarted node (same name, new incarnation) replaces the old one's presences", async () => {
    const c = await SimCluster.start(["a", "b"], [T]);
    const [a, b] = c.nodes;
    a.presence.track(c.spawnUser(a), T, "old", {});
    await c.quiesce(2);
    // The old incarnation vanishes without a goodbye; a new one starts under the same node name.
    c.net.partition("a", "b");
    a.presence.stop();
    await c.flush();
    c.net.heal();
    const again = Presence.start({ pubsub: a.ps, name: "sim", runtime: a.rt, ...TIMING, logger: () => {} });
    expect(again.replica().id).not.toBe(a.presence.replica().id);
    again.track(c.spawnUser(a), T, "new", {});
    await c.quiesce(3);
    expect(Object.keys(b.presence.list(T))).toEqual(["new"]);
  });

  it("10,000 presences reach a node that joins later, in chunks", async () => {
    const c = await SimCluster.start(["a"], [T], { maxChunkItems: 500 });
    const [a] = c.nodes;
    for (let i = 0; i < 10_000; i++) a.presence.track(c.spawnUser(a), T, `u${i}`, { i });
    await c.quiesce(1);
    const late = await c.add("b", [T], { maxChunkItems: 500 });
    const chunks = () => c.net.inflight.filter((m) => (m.data as { t?: string }).t === "st").length;
    let most = 0;
    for (let i = 0; i < 5 && Object.keys(late.presence.list(T)).length < 10_000; i++) {
      c.net.deliverAll();
      await c.flush();
      most = Math.max(most, chunks());
      c.net.deliverAll();
      await c.advance(TIMING.broadcastPeriodMs);
    }
    expect(most).toBe(20);
    expect(late.presence.list(T)).toEqual(a.presence.list(T));
    expect(late.presence.stats().presences).toBe(10_000);
  }, 60_000);

  it("drops and counts malformed messages from other nodes", async () => {
    const c = await SimCluster.start(["a", "b"], [T]);
    const [a, b] = c.nodes;
    a.presence.track(c.spawnUser(a), T, "alice", {});
    await c.quiesce(2);
    const bad = [
      null,
      "hello",
      { v: 2, t: "hb" },
      { v: 1, t: "hb", node: "x", id: "1", c: -1, d: null },
      { v: 1, t: "hb", node: "x", id: "1", c: 2, d: { from: 0, to: 2, joins: [{ clock: 1 }], leaves: [] } },
      { v: 1, t: "st", node: "x", id: "1", to: "y", c: 1, i: 5, n: 2, e: [] },
      { v: 1, t: "nope", node: "x", id: "1" },
    ];
    for (const m of bad) void a.ps.broadcast("cinder:presence:sim", m);
    c.net.deliverAll();
    await c.flush();
    expect(b.presence.stats().dropped).toBe(bad.length);
    expect(b.presence.list(T)).toEqual(a.presence.list(T));
    expect(b.logs.some((l) => l.includes("dropped a message from another node"))).toBe(true);
    await settle(b.rt);
  });
});

describe("Presence on the pubsub's own adapters", () => {
  it("runs over a LocalCluster with real timers: a join and a leave reach the other node", async () => {
    const cluster = new LocalCluster();
    const timing = { broadcastPeriodMs: 10, downPeriodMs: 100, permdownPeriodMs: 1000 };
    const nodes = await Promise.all(
      ["a", "b"].map(async (node) => {
        const rt = createRuntime({ node, logger: () => {} });
        const ps = await PubSub.start({ name: "lc", node, runtime: rt, adapter: local({ cluster }) });
        return { rt, ps, presence: Presence.start({ pubsub: ps, name: "lc", runtime: rt, ...timing }) };
      }),
    );
    const [a, b] = nodes;
    const pid = a.rt.spawn({ init: () => null, handleInfo: (_m: unknown, s: null) => s });
    a.presence.track(pid, T, "alice", {});
    await until(() => b.presence.get(T, "alice") !== undefined, "b to list alice", 1_000_000);
    a.rt.exit(pid, "kill");
    await until(() => b.presence.get(T, "alice") === undefined, "b to drop alice", 1_000_000);
    for (const n of nodes) {
      n.presence.stop();
      await n.ps.stop();
    }
  });
});
