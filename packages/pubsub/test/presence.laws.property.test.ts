/**
 * The Presence laws (docs/presence.md) as properties over a simulated network of three nodes in this process:
 * random tracks, untracks, updates and process exits, while the network loses, reorders and duplicates
 * messages, cuts links, and a node may crash (cut off for good); "flow" lets every message through for a
 * period, as a healthy network would. After the network heals and quiesces,
 * every live node lists the same presences, those of the model (tracked - untracked - exited - crashed
 * nodes), and each node's diffs, replayed by the official phoenix.js client, give its list.
 */

import type { Pid } from "@cinder/actors";
import type { PresenceDiff, Presences } from "@cinder/pubsub";
import fc from "fast-check";
import { Presence as ClientPresence } from "phoenix";
import { describe, expect, it } from "vitest";
import { type SimCluster as Cluster, SimCluster, type SimNode } from "./support/presence_nodes.js";

const NODES = ["a", "b", "c"];
const TOPICS = ["room:1", "room:2"];
const KEYS = ["u1", "u2"];
const PROCS = 3;

type Action =
  | { k: "track" | "untrack" | "update"; n: number; p: number; t: number; key: number }
  | { k: "untrackAll" | "kill"; n: number; p: number }
  | { k: "net"; ops: { op: "deliver" | "lose" | "dup"; i: number }[] }
  | { k: "time"; ms: number }
  | { k: "partition"; a: number; b: number }
  | { k: "heal" }
  | { k: "flow" }
  | { k: "crash"; n: number };

const idx = (n: number) => fc.nat({ max: n - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constantFrom("track" as const, "untrack" as const, "update" as const),
      n: idx(NODES.length),
      p: idx(PROCS),
      t: idx(TOPICS.length),
      key: idx(KEYS.length),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constantFrom("untrackAll" as const, "kill" as const),
      n: idx(NODES.length),
      p: idx(PROCS),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("net" as const),
      ops: fc.array(
        fc.record({
          op: fc.constantFrom("deliver" as const, "lose" as const, "dup" as const),
          i: fc.nat(50),
        }),
        { maxLength: 12 },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("time" as const), ms: fc.integer({ min: 0, max: 700 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("partition" as const),
      a: idx(NODES.length),
      b: idx(NODES.length),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("heal" as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("flow" as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("crash" as const), n: idx(NODES.length) }) },
);

/** What the model expects listed: `key|who|version`, sorted, per topic. */
type Model = Map<string, { topic: string; key: string; who: string; v: number }>;

function normalize(list: Presences): string[] {
  const out: string[] = [];
  for (const [key, { metas }] of Object.entries(list)) {
    for (const m of metas) out.push(`${key}|${m.who}|${m.v}`);
  }
  return out.sort();
}

function expected(model: Model, topic: string): string[] {
  return [...model.values()]
    .filter((e) => e.topic === topic)
    .map((e) => `${e.key}|${e.who}|${e.v}`)
    .sort();
}

/** Replays one node's diffs for a topic: the violations found, and the state the official client ends with. */
function replay(diffs: PresenceDiff[]): { violations: string[]; state: Record<string, { metas: any[] }> } {
  const present = new Set<string>();
  const violations: string[] = [];
  let state: Record<string, { metas: any[] }> = {};
  for (const d of diffs) {
    for (const { metas } of Object.values(d.payload.joins)) {
      for (const m of metas) {
        if (present.has(m.phx_ref)) violations.push(`L24: ${m.phx_ref} joined twice without a leave between`);
        present.add(m.phx_ref);
      }
    }
    for (const { metas } of Object.values(d.payload.leaves)) {
      for (const m of metas) {
        // Leaves of one diff may follow joins of the same diff (an update), but never precede its own join.
        if (!present.has(m.phx_ref)) violations.push(`L24: ${m.phx_ref} left without having joined`);
        present.delete(m.phx_ref);
      }
    }
    state = ClientPresence.syncDiff(state, d.payload);
  }
  return { violations, state };
}

function refsByKey(list: Record<string, { metas: any[] }>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, { metas }] of Object.entries(list)) out[k] = metas.map((m) => m.phx_ref).sort();
  return out;
}

async function run(actions: Action[], permdownPeriodMs: number): Promise<void> {
  const c: Cluster = await SimCluster.start(NODES, TOPICS, { permdownPeriodMs });
  const procs: Pid[][] = c.nodes.map((n) => Array.from({ length: PROCS }, () => c.spawnUser(n)));
  const model: Model = new Map();
  const crashed = new Set<number>();
  let version = 0;
  const live = (n: number) => !crashed.has(n);
  const id = (n: number, p: number, t: number, key: number) => `${n}/${p}/${t}/${key}`;
  const dropProc = (n: number, p: number) => {
    for (const k of [...model.keys()]) if (k.startsWith(`${n}/${p}/`)) model.delete(k);
  };

  for (const a of actions) {
    switch (a.k) {
      case "track": {
        if (!live(a.n)) break;
        const node = c.nodes[a.n];
        const who = `${NODES[a.n]}/${a.p}`;
        const v = ++version;
        const r = node.presence.track(procs[a.n][a.p], TOPICS[a.t], KEYS[a.key], { who, v });
        const k = id(a.n, a.p, a.t, a.key);
        // L23: one presence per (pid, topic, key).
        if (model.has(k)) expect(r).toEqual({ ok: false, reason: "already_tracked" });
        else {
          expect(r.ok).toBe(true);
          model.set(k, { topic: TOPICS[a.t], key: KEYS[a.key], who, v });
        }
        break;
      }
      case "untrack":
        if (!live(a.n)) break;
        c.nodes[a.n].presence.untrack(procs[a.n][a.p], TOPICS[a.t], KEYS[a.key]);
        model.delete(id(a.n, a.p, a.t, a.key));
        break;
      case "update": {
        if (!live(a.n)) break;
        const k = id(a.n, a.p, a.t, a.key);
        const v = ++version;
        const r = c.nodes[a.n].presence.update(procs[a.n][a.p], TOPICS[a.t], KEYS[a.key], (old) => ({
          ...old,
          v,
        }));
        const m = model.get(k);
        if (m === undefined) expect(r).toEqual({ ok: false, reason: "nopresence" });
        else {
          expect(r.ok).toBe(true);
          m.v = v;
        }
        break;
      }
      case "untrackAll":
        if (!live(a.n)) break;
        c.nodes[a.n].presence.untrack(procs[a.n][a.p]);
        dropProc(a.n, a.p);
        break;
      case "kill":
        if (!live(a.n)) break;
        c.nodes[a.n].rt.exit(procs[a.n][a.p], "kill");
        procs[a.n][a.p] = c.spawnUser(c.nodes[a.n]);
        dropProc(a.n, a.p);
        break;
      case "net":
        for (const o of a.ops) {
          const len = c.net.inflight.length;
          if (len === 0) break;
          if (o.op === "lose") c.net.lose(o.i % len);
          else c.net.deliver(o.i % len, o.op === "dup");
        }
        break;
      case "time":
        await c.advance(a.ms);
        break;
      case "partition":
        if (a.a !== a.b) c.net.partition(NODES[a.a], NODES[a.b]);
        break;
      case "heal":
        c.net.heal();
        break;
      case "flow":
        await c.quiesce(1);
        break;
      case "crash":
        if (crashed.size >= NODES.length - 2 || crashed.has(a.n)) break;
        crashed.add(a.n);
        c.net.isolate(NODES[a.n]);
        for (const k of [...model.keys()]) if (k.startsWith(`${a.n}/`)) model.delete(k);
        break;
    }
    await c.flush();
  }

  c.net.heal();
  // Longer than the down period, shorter than permdown: a crashed node must go by being down.
  await c.quiesce(12);

  const liveNodes: SimNode[] = c.nodes.filter((_, i) => live(i));
  for (const topic of TOPICS) {
    const lists = liveNodes.map((n) => n.presence.list(topic));
    // L27: the replicas converge, to the model.
    for (const l of lists) expect(l).toEqual(lists[0]);
    expect(normalize(lists[0])).toEqual(expected(model, topic));
    for (const n of liveNodes) {
      const { violations, state } = replay(n.diffs.get(topic)!);
      expect(violations).toEqual([]);
      // L24: the diffs applied to the empty state give the final list.
      expect(refsByKey(state)).toEqual(refsByKey(n.presence.list(topic)));
    }
  }
  for (const n of c.nodes) n.presence.stop();
}

describe("Presence laws on a simulated network", () => {
  it("L23, L24, L26, L27, L28: after heal and quiescence every node lists the model; diffs replay to it", async () => {
    await fc.assert(
      // A short permdown (forgotten within a run) or a long one (crashed nodes go by being down only).
      fc.asyncProperty(
        fc.array(action, { minLength: 15, maxLength: 50 }),
        fc.constantFrom(2000, 600_000),
        run,
      ),
      { numRuns: 100 },
    );
  }, 300_000);
});
