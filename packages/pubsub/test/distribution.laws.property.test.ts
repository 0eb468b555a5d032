/**
 * The laws that hold across nodes, on a simulated network (support/dist_nodes.ts): messages between each
 * pair of nodes arrive in order or not at all (the transport's contract), but any may be lost, duplicated by
 * the network, or cut off by a partition, and pairs interleave at random. Each property ends by healing the
 * network and letting it quiesce, and checks that the links work again.
 */

import {
  CallError,
  type DownMessage,
  noreply,
  type Pid,
  type Ref,
  receive,
  replyTo,
  self,
  sendAfter,
} from "@cinder/actors";
import { jsonCodec } from "@cinder/pubsub";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DIST_TIMING, DistCluster } from "./support/dist_nodes.js";

const NODES = ["a", "b", "c"];

/** `pid` as another node holds it (through the codec, as it travels). */
function far(pid: Pid): Pid {
  return jsonCodec.decode(jsonCodec.encode(pid)) as Pid;
}

type NetAction =
  | { t: "deliver"; pick: number; dup: boolean }
  | { t: "lose"; pick: number }
  | { t: "cut"; a: number; b: number }
  | { t: "heal" }
  | { t: "tick"; ms: number };

const netAction: fc.Arbitrary<NetAction> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant("deliver" as const),
      pick: fc.double({ min: 0, max: 0.999, noNaN: true }),
      dup: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("lose" as const),
      pick: fc.double({ min: 0, max: 0.999, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("cut" as const), a: fc.nat(2), b: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("heal" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 400 }) }),
  },
);

async function applyNet(c: DistCluster, a: NetAction): Promise<void> {
  switch (a.t) {
    case "deliver":
      return c.deliverOne(a.pick, a.dup);
    case "lose":
      return c.lose(a.pick);
    case "cut":
      if (a.a !== a.b) c.net.partition(NODES[a.a], NODES[a.b]);
      return;
    case "heal":
      return c.net.heal();
    case "tick":
      return c.advance(a.ms);
  }
}

describe("distribution laws on a simulated network", () => {
  it("L1, L2 across nodes: from one sender, a receiver on another node gets a subsequence in order, no copies; the links work again after heal", async () => {
    const action = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          t: fc.constant("send" as const),
          from: fc.nat(2),
          to: fc.nat(2),
          n: fc.integer({ min: 1, max: 4 }),
        }),
      },
      { weight: 5, arbitrary: netAction },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const c = await DistCluster.start(NODES);
        try {
          const got = c.nodes.map(() => [] as { from: string; k: number }[]);
          const receivers = c.nodes.map((n, i) =>
            far(
              n.rt.spawn({
                init: () => null,
                handleInfo: (m: { from: string; k: number }, s: null) => {
                  got[i].push(m);
                  return s;
                },
              }),
            ),
          );
          const sent = c.nodes.map(() => [0, 0, 0]);
          const senders = c.nodes.map((n, i) =>
            n.rt.spawn({
              init: () => null,
              handleInfo: (m: { to: number; n: number }, s: null) => {
                for (let j = 0; j < m.n; j++) {
                  n.rt.send(receivers[m.to], { from: n.node, k: ++sent[i][m.to] });
                }
                return s;
              },
            }),
          );
          const send = async (from: number, to: number, count: number) => {
            c.nodes[from].rt.send(senders[from], { to, n: count });
            await c.flush();
          };
          for (const a of actions) {
            if (a.t === "send") await send(a.from, a.to, a.n);
            else await applyNet(c, a);
          }
          c.net.heal();
          await c.quiesce(8);
          // After the heal, the links carry messages again: one more from every sender to every receiver.
          for (let i = 0; i < NODES.length; i++)
            for (let j = 0; j < NODES.length; j++) if (i !== j) await send(i, j, 1);
          await c.quiesce(4);
          for (let j = 0; j < NODES.length; j++) {
            for (let i = 0; i < NODES.length; i++) {
              if (i === j) continue;
              const ks = got[j].filter((m) => m.from === NODES[i]).map((m) => m.k);
              for (let x = 1; x < ks.length; x++) expect(ks[x]).toBeGreaterThan(ks[x - 1]);
              for (const k of ks) expect(k).toBeLessThanOrEqual(sent[i][j]);
              expect(ks.at(-1)).toBe(sent[i][j]);
            }
          }
        } finally {
          await c.stop();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("L6 across nodes: every monitor of a process on another node gets exactly one DOWN (its real reason, or noconnection), also through loss, partitions and a node that dies", async () => {
    const action = fc.oneof(
      { weight: 3, arbitrary: fc.record({ t: fc.constant("monitor" as const), target: fc.nat(3) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          t: fc.constant("exit" as const),
          target: fc.nat(3),
          reason: fc.constantFrom("r1", "r2", "kill"),
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant("demonitor" as const), pick: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant("crash" as const) }) },
      { weight: 6, arbitrary: netAction },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const c = await DistCluster.start(NODES);
        try {
          const [a, b, cc] = c.nodes;
          // Four targets: two on b, two on c; each records its own exit reason.
          const reasons = new Map<number, unknown>();
          const targets = [b, b, cc, cc].map((n, i) => {
            const pid = n.rt.spawn({ init: () => null, handleInfo: (_m: unknown, s: null) => s });
            n.rt.watch(pid, (r) => reasons.set(i, r));
            return pid;
          });
          const seen = new Map<Ref, { target: number; downs: DownMessage[] }>();
          const live: Ref[] = [];
          const watcher = a.rt.spawn({
            init: () => null,
            handleInfo: (m: { monitor?: number; demonitor?: number } | DownMessage, s: null) => {
              if ("type" in m && m.type === "DOWN") seen.get(m.ref)?.downs.push(m);
              else if ("monitor" in m && m.monitor !== undefined) {
                const ref = a.rt.monitor(far(targets[m.monitor]));
                seen.set(ref, { target: m.monitor, downs: [] });
                live.push(ref);
              } else if ("demonitor" in m && m.demonitor !== undefined && live.length > 0) {
                const ref = live.splice(m.demonitor % live.length, 1)[0];
                a.rt.demonitor(ref, { flush: true });
                seen.delete(ref);
              }
              return s;
            },
          });
          let crashed = false;
          for (const x of actions) {
            if (x.t === "monitor") a.rt.send(watcher, { monitor: x.target });
            else if (x.t === "demonitor") a.rt.send(watcher, { demonitor: x.pick });
            else if (x.t === "exit") {
              if (!(crashed && x.target >= 2))
                c.nodes[x.target < 2 ? 1 : 2].rt.exit(targets[x.target], x.reason);
            } else if (x.t === "crash") {
              c.net.isolate("c");
              crashed = true;
            } else await applyNet(c, x);
            await c.flush();
          }
          c.net.heal();
          await c.quiesce(6);
          // Every target that is still alive (on a node that is still there) exits now.
          for (let i = 0; i < targets.length; i++) {
            if (!(crashed && i >= 2)) c.nodes[i < 2 ? 1 : 2].rt.exit(targets[i], "final");
          }
          await c.quiesce(2 + Math.ceil(DIST_TIMING.downAfterMs / DIST_TIMING.heartbeatMs) * 2);
          for (const [ref, { target, downs }] of seen) {
            expect(downs.length, `monitor ${ref} of target ${target}`).toBe(1);
            const d = downs[0];
            expect(d.pid.equals(targets[target])).toBe(true);
            const real = reasons.get(target) === "kill" ? "killed" : reasons.get(target);
            if (d.reason !== "noconnection" && d.reason !== "noproc") expect(d.reason).toEqual(real);
            if (d.reason === "noproc") expect(reasons.has(target)).toBe(true);
          }
        } finally {
          await c.stop();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("L10 across nodes: a call settles once, with its own reply or a CallError (timeout, noconnection), never a late reply", async () => {
    const action = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          t: fc.constant("call" as const),
          delay: fc.integer({ min: 0, max: 500 }),
          timeout: fc.integer({ min: 50, max: 800 }),
        }),
      },
      { weight: 6, arbitrary: netAction },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 50 }), async (actions) => {
        const c = await DistCluster.start(NODES);
        try {
          const [a, b] = c.nodes;
          const server = far(
            b.rt.spawn({
              init: () => null,
              handleCall: (req: { k: number; delay: number }, from, s: null) => {
                sendAfter(self(), { reply: from, k: req.k }, req.delay);
                return noreply(s);
              },
              handleInfo: (m: { reply: Parameters<typeof replyTo>[0]; k: number }, s: null) => {
                replyTo(m.reply, { k: m.k });
                return s;
              },
            }),
          );
          const outcomes = new Map<number, unknown[]>();
          const stray: unknown[] = [];
          let k = 0;
          for (const x of actions) {
            if (x.t === "call") {
              const mine = ++k;
              outcomes.set(mine, []);
              a.rt.spawn(async () => {
                try {
                  outcomes.get(mine)!.push(await a.rt.call(server, { k: mine, delay: x.delay }, x.timeout));
                } catch (err) {
                  outcomes.get(mine)!.push(err);
                }
                for (;;) stray.push(await receive());
              });
            } else await applyNet(c, x);
            await c.flush();
          }
          c.net.heal();
          await c.quiesce(12);
          for (const [mine, out] of outcomes) {
            expect(out.length, `call ${mine}`).toBe(1);
            const o = out[0];
            if (o instanceof CallError) expect(["timeout", "noconnection"]).toContain(o.kind);
            else expect(o).toEqual({ k: mine });
          }
          expect(stray).toEqual([]);
          // The link works again: a call after the heal gets its reply.
          const after = a.rt.call(server, { k: 0, delay: 0 }, Number.POSITIVE_INFINITY).then(
            (v) => v,
            (e) => e,
          );
          await c.quiesce(2);
          expect(await after).toEqual({ k: 0 });
        } finally {
          await c.stop();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("global names: both sides of a partition register one name; on heal one winner (the node that sorts first), the loser gets an exit", async () => {
    const c = await DistCluster.start(["a", "b"]);
    try {
      const [a, b] = c.nodes;
      const exits: unknown[] = [];
      const spawnHolder = (n: typeof a) =>
        n.rt.spawn(
          {
            init: () => null,
            handleInfo: (m: unknown, s: null) => {
              exits.push(m);
              return s;
            },
          },
          undefined,
          { trapExit: true },
        );
      const pa = spawnHolder(a);
      const pb = spawnHolder(b);
      c.net.partition("a", "b");
      await c.quiesce(Math.ceil(DIST_TIMING.downAfterMs / DIST_TIMING.heartbeatMs) + 2);
      expect(a.rt.nodes()).toEqual([]);
      expect(a.rt.registerGlobal("store", pa)).toBe(true);
      expect(b.rt.registerGlobal("store", pb)).toBe(true);
      expect(b.rt.registerGlobal("store", pb)).toBe(false);
      c.net.heal();
      await c.quiesce(6);
      expect(a.rt.nodes()).toEqual(["b"]);
      expect(a.rt.whereisGlobal("store")?.equals(pa)).toBe(true);
      expect(b.rt.whereisGlobal("store")?.equals(pa)).toBe(true);
      expect(exits).toEqual([{ type: "EXIT", from: null, reason: { global_name_conflict: "store" } }]);
      // The winner keeps serving under the name; when it exits, the name is free everywhere.
      a.rt.exit(pa, "kill");
      await c.quiesce(2);
      expect(b.rt.whereisGlobal("store")).toBe(undefined);
      expect(b.rt.registerGlobal("store", pb)).toBe(true);
      await c.quiesce(2);
      expect(a.rt.whereisGlobal("store")?.equals(pb)).toBe(true);
      // unregisterGlobal, from any node, frees the name everywhere (and its holder keeps running).
      expect(a.rt.unregisterGlobal("store")).toBe(true);
      expect(a.rt.unregisterGlobal("store")).toBe(false);
      await c.quiesce(2);
      expect(b.rt.whereisGlobal("store")).toBe(undefined);
      expect(b.rt.isAlive(pb)).toBe(true);
      expect(b.rt.registerGlobal("store", pb)).toBe(true);
    } finally {
      await c.stop();
    }
  });
});
