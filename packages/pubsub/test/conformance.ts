/**
 * THE adapter conformance suite: every adapter runs these same tests (laws L13-L22 of docs/laws.md, L19
 * aside: it needs a failing transport, see pubsub.test.ts and the Redis fault test). Call `conformance(label, factory)`
 * from a test file; `factory(cluster)` makes a fresh adapter for one node of the named cluster. Nodes live in
 * this process, each with its own runtime, so the same tests cover one node and several.
 */

import { type Pid, send, stop } from "@cinder/actors";
import { type Dispatcher, type Entry, NodeNameTakenError } from "@cinder/pubsub";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type AdapterFactory, TestCluster } from "./support/cluster.js";
import type { Recorder } from "./support/recorder.js";

export interface ConformanceOptions {
  /** fast-check runs per property (a remote adapter pays a network round trip per step). */
  runs: number;
}

export function conformance(label: string, factory: AdapterFactory, opts: ConformanceOptions): void {
  const numRuns = opts.runs;

  describe(`conformance: ${label} adapter`, () => {
    const clusters: TestCluster[] = [];
    const start = async (names: string[], o: { dispatcher?: (node: string) => Dispatcher } = {}) => {
      const c = await TestCluster.start(factory, names, { ...o, label });
      clusters.push(c);
      return c;
    };
    afterEach(async () => {
      for (const c of clusters.splice(0)) await c.stop();
    });

    it("L13: k subscriptions give k copies on every node; unsubscribe drops all; unsubscribe without one is :ok", async () => {
      const c = await start(["a", "b"]);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 3 }),
          fc.constantFrom("a", "b"),
          async (ka, kb, publisher) => {
            const topic = `l13-${++run}`;
            const ra = c.recorder("a");
            const rb = c.recorder("b");
            for (let i = 0; i < ka; i++) await c.subscribe("a", ra.pid, topic);
            for (let i = 0; i < kb; i++) await c.subscribe("b", rb.pid, topic);
            expect(await c.get(publisher).ps.broadcast(topic, "m1")).toEqual({ ok: true });
            await c.settle();
            expect(ra.got).toEqual(new Array(ka).fill("m1"));
            expect(rb.got).toEqual(new Array(kb).fill("m1"));
            expect(c.get("a").ps.unsubscribe(ra.pid, topic)).toBeUndefined();
            expect(c.get("b").ps.unsubscribe(rb.pid, topic)).toBeUndefined();
            // Again, now without any subscription: still fine.
            expect(c.get("a").ps.unsubscribe(ra.pid, topic)).toBeUndefined();
            await c.get("a").ps.sync();
            await c.get("b").ps.sync();
            await c.get(publisher).ps.broadcast(topic, "m2");
            await c.settle();
            expect(ra.got).toEqual(new Array(ka).fill("m1"));
            expect(rb.got).toEqual(new Array(kb).fill("m1"));
          },
        ),
        { numRuns },
      );
    });

    it("L14: topic isolation, local and remote: subscribers of T' != T get nothing", async () => {
      const c = await start(["a", "b"]);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 1, maxLength: 12 }),
          fc.string({ minLength: 1, maxLength: 12 }),
          fc.constantFrom("a", "b"),
          async (t1, t2, publisher) => {
            fc.pre(t1 !== t2);
            const [topic, other] = [`${++run}:${t1}`, `${run}:${t2}`];
            const rs = { a: [c.recorder("a"), c.recorder("a")], b: [c.recorder("b"), c.recorder("b")] };
            for (const node of ["a", "b"] as const) {
              await c.subscribe(node, rs[node][0].pid, topic);
              await c.subscribe(node, rs[node][1].pid, other);
            }
            await c.get(publisher).ps.broadcast(topic, "x");
            await c.settle();
            for (const node of ["a", "b"] as const) {
              expect(rs[node][0].got).toEqual(["x"]);
              expect(rs[node][1].got).toEqual([]);
            }
          },
        ),
        { numRuns },
      );
    });

    it("L15: broadcastFrom(P) reaches every subscription but P's, on every node; localBroadcastFrom(P) likewise, locally", async () => {
      const c = await start(["a", "b"]);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          // Subscription counts of four processes (two per node), who sends, and from which node.
          fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
          fc.integer({ min: 0, max: 3 }),
          fc.constantFrom("a", "b"),
          async (counts, fromIdx, publisher) => {
            const topic = `l15-${++run}`;
            const nodes = ["a", "a", "b", "b"];
            const rs = nodes.map((n) => c.recorder(n));
            for (let i = 0; i < 4; i++)
              for (let k = 0; k < counts[i]; k++) await c.subscribe(nodes[i], rs[i].pid, topic);
            const from = rs[fromIdx].pid;
            await c.get(publisher).ps.broadcastFrom(from, topic, "b");
            await c.settle();
            c.get(publisher).ps.localBroadcastFrom(from, topic, "l");
            await c.settle();
            for (let i = 0; i < 4; i++) {
              const want: string[] = [];
              if (i !== fromIdx) {
                for (let k = 0; k < counts[i]; k++) want.push("b");
                if (nodes[i] === publisher) for (let k = 0; k < counts[i]; k++) want.push("l");
              }
              expect(rs[i].got).toEqual(want);
            }
          },
        ),
        { numRuns },
      );
    });

    it("L16: one publisher's messages arrive in FIFO order at every subscriber, locally and remotely", async () => {
      const c = await start(["a", "b", "c"]);
      const nodes = ["a", "b", "c"];
      let run = 0;
      const op = fc.record({
        publisher: fc.constantFrom("a", "b"),
        direct: fc.option(fc.constantFrom("a", "b", "c"), { nil: null }),
        yieldAfter: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
          const topic = `l16-${++run}`;
          const subs = nodes.map((n) => c.recorder(n));
          for (let i = 0; i < 3; i++) await c.subscribe(nodes[i], subs[i].pid, topic);
          const pubs = { a: c.recorder("a").pid, b: c.recorder("b").pid };
          const seq = { a: 0, b: 0 };
          const want = nodes.map(() => ({ a: [] as number[], b: [] as number[] }));
          for (const o of ops) {
            const m = { p: o.publisher, n: ++seq[o.publisher] };
            const ps = c.get(o.publisher).ps;
            if (o.direct === null) {
              void ps.broadcastFrom(pubs[o.publisher], topic, m);
              for (const w of want) w[o.publisher].push(m.n);
            } else {
              void ps.directBroadcast(o.direct, topic, m);
              want[nodes.indexOf(o.direct)][o.publisher].push(m.n);
            }
            if (o.yieldAfter) await new Promise((r) => setImmediate(r));
          }
          await c.settle();
          for (let i = 0; i < 3; i++) {
            const got = subs[i].got as { p: "a" | "b"; n: number }[];
            for (const p of ["a", "b"] as const) {
              expect(got.filter((m) => m.p === p).map((m) => m.n)).toEqual(want[i][p]);
            }
          }
        }),
        { numRuns },
      );
    });

    it("L17: broadcast reaches each subscription once on every node; localBroadcast only this node; directBroadcast(n) only n; an unknown n is ok and reaches nobody", async () => {
      const c = await start(["a", "b", "c"]);
      const topic = "l17";
      const r = { a: c.recorder("a"), b: c.recorder("b"), c: c.recorder("c") };
      for (const n of ["a", "b", "c"] as const) await c.subscribe(n, r[n].pid, topic);
      await c.subscribe("b", r.b.pid, topic); // b's recorder twice
      const a = c.get("a").ps;
      expect(await a.broadcast(topic, "all")).toEqual({ ok: true });
      a.localBroadcast(topic, "local");
      expect(await a.directBroadcast("b", topic, "to-b")).toEqual({ ok: true });
      expect(await a.directBroadcast("a", topic, "to-a")).toEqual({ ok: true });
      expect(await a.directBroadcast("nowhere", topic, "lost")).toEqual({ ok: true });
      await c.settle();
      expect(r.a.got).toEqual(["all", "local", "to-a"]);
      expect(r.b.got).toEqual(["all", "all", "to-b", "to-b"]);
      expect(r.c.got).toEqual(["all"]);
    });

    it("L18: one dispatcher call per broadcast and node with subscriptions (never an empty list); its entries are the topic's subscriptions with metadata", async () => {
      type Call = { node: string; entries: [string, unknown][]; from: Pid | null; msg: unknown };
      const calls: Call[] = [];
      const recordingDispatcher =
        (node: string): Dispatcher =>
        (entries: readonly Entry[], from, msg) => {
          if (typeof msg === "object")
            calls.push({ node, entries: entries.map((e) => [String(e.pid), e.metadata]), from, msg });
          for (const e of entries) if (!e.pid.equals(from)) send(e.pid, msg);
        };
      const c = await start(["a", "b"], { dispatcher: recordingDispatcher });
      let run = 0;
      const op = fc.record({
        node: fc.constantFrom("a", "b"),
        who: fc.integer({ min: 0, max: 2 }),
        unsubscribe: fc.boolean(),
        metadata: fc.oneof(fc.constant(undefined), fc.integer(), fc.string({ maxLength: 3 })),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(op, { maxLength: 12 }),
          fc.constantFrom("a", "b"),
          async (ops, publisher) => {
            const topic = `l18-${++run}`;
            const rs = { a: [0, 1, 2].map(() => c.recorder("a")), b: [0, 1, 2].map(() => c.recorder("b")) };
            const model = { a: [[], [], []] as unknown[][], b: [[], [], []] as unknown[][] };
            for (const o of ops) {
              const node = o.node as "a" | "b";
              const pid = rs[node][o.who].pid;
              if (o.unsubscribe) {
                await c.unsubscribe(node, pid, topic);
                model[node][o.who] = [];
              } else {
                await c.subscribe(node, pid, topic, o.metadata);
                model[node][o.who].push(o.metadata);
              }
            }
            calls.length = 0;
            const msg = { run };
            await c.get(publisher).ps.broadcast(topic, msg);
            await c.settle();
            expect(calls.every((x) => x.entries.length > 0)).toBe(true);
            for (const node of ["a", "b"] as const) {
              const want: [string, unknown][] = [];
              model[node].forEach((metas, i) => {
                for (const m of metas) want.push([String(rs[node][i].pid), m]);
              });
              const mine = calls.filter((x) => x.node === node);
              if (want.length === 0) {
                expect(mine).toEqual([]);
                continue;
              }
              expect(mine).toHaveLength(1);
              expect(mine[0].entries.sort(byKey)).toEqual(want.sort(byKey));
              expect(mine[0].msg).toEqual(msg);
              // What the dispatcher delivered is what the subscriptions got.
              model[node].forEach((metas, i) => {
                expect(rs[node][i].got).toHaveLength(metas.length);
              });
            }
          },
        ),
        { numRuns },
      );
    });

    it("L20: an exited subscriber disappears from lookup at once; broadcasts never fail because of it", async () => {
      const c = await start(["a", "b"]);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({ dies: fc.boolean(), how: fc.constantFrom("kill", "shutdown", "normal-stop") }),
            {
              minLength: 1,
              maxLength: 8,
            },
          ),
          async (procs) => {
            const topic = `l20-${++run}`;
            const b = c.get("b");
            const rs = procs.map(() =>
              b.rt.spawn(
                {
                  init: () => [] as unknown[],
                  handleInfo: (m: unknown, got: unknown[]) => {
                    if (m === "stop") return stop("normal", got);
                    got.push(m);
                    return got;
                  },
                },
                undefined,
              ),
            );
            for (const pid of rs) await c.subscribe("b", pid, topic);
            const before = b.ps.stats();
            for (let i = 0; i < procs.length; i++) {
              if (!procs[i].dies) continue;
              if (procs[i].how === "normal-stop") b.rt.send(rs[i], "stop");
              else b.rt.exit(rs[i], procs[i].how === "kill" ? "kill" : "shutdown");
            }
            await b.rt.drain();
            const alive = rs.filter((_, i) => !procs[i].dies).map(String);
            expect(b.ps.subscribers(topic).map((e) => String(e.pid))).toEqual(expect.arrayContaining(alive));
            expect(b.ps.subscribers(topic)).toHaveLength(alive.length);
            const dead = procs.filter((p) => p.dies).length;
            expect(b.ps.stats().subscriptions).toBe(before.subscriptions - dead);
            expect(await c.get("a").ps.broadcast(topic, "after")).toEqual({ ok: true });
            expect(await b.ps.broadcast(topic, "after-local")).toEqual({ ok: true });
            await c.settle();
          },
        ),
        { numRuns },
      );
    });

    it("L21: a node never re-dispatches its own broadcast; a direct one only at its target; a second node with a taken name is refused", async () => {
      const c = await start(["a", "b", "c"]);
      const topic = "l21";
      const r = { a: c.recorder("a"), b: c.recorder("b"), c: c.recorder("c") };
      for (const n of ["a", "b", "c"] as const) await c.subscribe(n, r[n].pid, topic);
      await c.get("a").ps.broadcast(topic, 1);
      await c.settle();
      await c.settle();
      expect(r.a.got).toEqual([1]);
      await c.get("a").ps.directBroadcast("b", topic, 2);
      await c.settle();
      expect([r.a.got, r.b.got, r.c.got]).toEqual([[1], [1, 2], [1]]);

      await expect(c.startNode("b")).rejects.toThrow(NodeNameTakenError);
      await expect(c.startNode("b")).rejects.toThrow(/node name "b" is already used/);
      // The refused node took nothing: b still gets everything once, direct ones included.
      await c.get("a").ps.broadcast(topic, 3);
      await c.get("c").ps.directBroadcast("b", topic, 4);
      await c.settle();
      expect(r.b.got).toEqual([1, 2, 3, 4]);
      expect(r.c.got).toEqual([1, 3]);

      // A stopped node frees its name.
      await c.stopNode("b");
      const b2 = await c.startNode("b");
      const r2 = c.recorder("b");
      await c.subscribe("b", r2.pid, topic);
      await c.get("a").ps.broadcast(topic, 5);
      await c.settle();
      expect(r2.got).toEqual([5]);
      expect(b2.ps.nodeName()).toBe("b");
    });

    it("L22: no replay: subscribing after a broadcast never receives it", async () => {
      const c = await start(["a", "b"]);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.constantFrom("a", "b"), async (n, publisher) => {
          const topic = `l22-${++run}`;
          const early = c.recorder("b");
          await c.subscribe("b", early.pid, topic);
          for (let i = 0; i < n; i++) await c.get(publisher).ps.broadcast(topic, `old${i}`);
          await c.settle();
          const late = { a: c.recorder("a"), b: c.recorder("b") };
          await c.subscribe("a", late.a.pid, topic);
          await c.subscribe("b", late.b.pid, topic);
          await c.settle();
          expect(late.a.got).toEqual([]);
          expect(late.b.got).toEqual([]);
          await c.get(publisher).ps.broadcast(topic, "new");
          await c.settle();
          expect(late.a.got).toEqual(["new"]);
          expect(late.b.got).toEqual(["new"]);
          expect(early.got).toHaveLength(n + 1);
        }),
        { numRuns },
      );
    });

    it("L13-L17, L20, L22 together: random subscribe/unsubscribe/exit/broadcast sequences on two nodes match a model", async () => {
      const c = await start(["a", "b"]);
      const N = 4; // recorders 0,1 on a; 2,3 on b
      const nodeOf = (i: number) => (i < 2 ? "a" : "b");
      const topics = ["x", "y"];
      const op = fc.oneof(
        fc.record({ t: fc.constant("sub" as const), i: fc.nat(N - 1), topic: fc.constantFrom(...topics) }),
        fc.record({ t: fc.constant("unsub" as const), i: fc.nat(N - 1), topic: fc.constantFrom(...topics) }),
        fc.record({ t: fc.constant("exit" as const), i: fc.nat(N - 1) }),
        fc.record({
          t: fc.constantFrom("broadcast" as const, "local" as const),
          node: fc.constantFrom("a", "b"),
          topic: fc.constantFrom(...topics),
        }),
        fc.record({ t: fc.constant("from" as const), i: fc.nat(N - 1), topic: fc.constantFrom(...topics) }),
        fc.record({
          t: fc.constant("direct" as const),
          node: fc.constantFrom("a", "b"),
          to: fc.constantFrom("a", "b", "z"),
          topic: fc.constantFrom(...topics),
        }),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          const prefix = `mix-${++run}-`;
          const rs: Recorder[] = [];
          for (let i = 0; i < N; i++) rs.push(c.recorder(nodeOf(i)));
          const subs = rs.map(() => new Map<string, number>()); // model: subscription counts per topic
          const alive = rs.map(() => true);
          const want: string[][] = rs.map(() => []);
          let id = 0;
          const deliver = (topic: string, msg: string, where: (i: number) => boolean) => {
            for (let i = 0; i < N; i++) {
              if (!alive[i] || !where(i)) continue;
              for (let k = 0; k < (subs[i].get(topic) ?? 0); k++) want[i].push(msg);
            }
          };
          for (const o of ops) {
            if (o.t === "sub" || o.t === "unsub") {
              const topic = prefix + o.topic;
              if (o.t === "sub") await c.subscribe(nodeOf(o.i), rs[o.i].pid, topic);
              else await c.unsubscribe(nodeOf(o.i), rs[o.i].pid, topic);
              if (alive[o.i]) subs[o.i].set(topic, o.t === "sub" ? (subs[o.i].get(topic) ?? 0) + 1 : 0);
            } else if (o.t === "exit") {
              c.kill(nodeOf(o.i), rs[o.i].pid);
              alive[o.i] = false;
            } else {
              const topic = prefix + o.topic;
              const msg = `m${++id}`;
              if (o.t === "broadcast") {
                await c.get(o.node).ps.broadcast(topic, msg);
                deliver(topic, msg, () => true);
              } else if (o.t === "local") {
                c.get(o.node).ps.localBroadcast(topic, msg);
                deliver(topic, msg, (i) => nodeOf(i) === o.node);
              } else if (o.t === "from") {
                await c.get(nodeOf(o.i)).ps.broadcastFrom(rs[o.i].pid, topic, msg);
                deliver(topic, msg, (i) => i !== o.i);
              } else if (o.t === "direct") {
                await c.get(o.node).ps.directBroadcast(o.to, topic, msg);
                deliver(topic, msg, (i) => nodeOf(i) === o.to);
              }
              await c.settle();
            }
          }
          await c.settle();
          for (let i = 0; i < N; i++) expect(rs[i].got).toEqual(want[i]);
          for (const n of ["a", "b"]) {
            for (const t of topics) {
              const live = rs.filter((_, i) => alive[i] && nodeOf(i) === n);
              const count = live.reduce((s, r) => s + (subs[rs.indexOf(r)].get(prefix + t) ?? 0), 0);
              expect(c.get(n).ps.subscribers(prefix + t)).toHaveLength(count);
            }
          }
        }),
        { numRuns },
      );
    });
  });
}

function byKey(x: [string, unknown], y: [string, unknown]): number {
  const a = `${x[0]}|${JSON.stringify(x[1]) ?? "u"}`;
  const b = `${y[0]}|${JSON.stringify(y[1]) ?? "u"}`;
  return a < b ? -1 : a > b ? 1 : 0;
}
