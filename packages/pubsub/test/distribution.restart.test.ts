/**
 * A node that dies hard (no goodbye) and comes back under the same name with a new creation, on the
 * simulated network (support/dist_nodes.ts): before the others' down timeout and after it. The others must
 * end what was bound to the old incarnation (once, with noconnection) and talk to the new one as to any node.
 */

import { CallError, type DownMessage, monitor, noreply, type Pid, receive, reply } from "@cinder/actors";
import { jsonCodec } from "@cinder/pubsub";
import { describe, expect, it } from "vitest";
import { DIST_TIMING, DistCluster, type DistNode } from "./support/dist_nodes.js";

/** `pid` as another node holds it (through the codec, as it travels). */
function far(pid: Pid): Pid {
  return jsonCodec.decode(jsonCodec.encode(pid)) as Pid;
}

const Echo = {
  init: () => 0,
  handleCall: (req: unknown, _from: unknown, n: number) => reply({ echo: req, n }, n + 1),
};

/** Never answers: a call to it waits until its node goes. */
const Silent = { init: () => null, handleCall: (_req: unknown, _from: unknown, s: null) => noreply(s) };

/** A global echo server "svc" on `b`, as `a` finds it once the name has travelled. */
async function service(c: DistCluster, a: DistNode, b: DistNode): Promise<Pid> {
  const pid = b.rt.spawn(Echo);
  expect(b.rt.registerGlobal("svc", pid)).toBe(true);
  await c.quiesce(2);
  const seen = a.rt.whereisGlobal("svc");
  expect(seen?.equals(pid)).toBe(true);
  return seen!;
}

/** Calls `pid` from `a` and lets the network run until it settles; resolves with the reply or the error. */
async function callSettled(c: DistCluster, a: DistNode, pid: Pid, req: unknown): Promise<unknown> {
  const out: unknown[] = [];
  a.rt.call(pid, req, Number.POSITIVE_INFINITY).then(
    (v) => out.push(v),
    (e) => out.push(e),
  );
  for (let i = 0; i < 20 && out.length === 0; i++) await c.quiesce(1);
  return out.length === 1 ? out[0] : new Error(`the call settled ${out.length} times`);
}

describe("a node restarted under the same name", () => {
  for (const [when, gapMs] of [
    ["before the down timeout", 0],
    ["after the down timeout", DIST_TIMING.downAfterMs + 2 * DIST_TIMING.heartbeatMs],
  ] as const) {
    it(`comes back for the others (${when}): calls, global names; the old one's calls and monitors end once with noconnection`, async () => {
      const c = await DistCluster.start(["a", "b"]);
      try {
        const a = c.nodes[0];
        const svc = await service(c, a, c.nodes[1]);
        // Traffic to the old incarnation first, both ways, so that frame counts are well under way.
        for (let i = 0; i < 30; i++) expect(await callSettled(c, a, svc, i)).toEqual({ echo: i, n: i });

        // What is bound to the old incarnation when it dies: a call waiting for a reply, and a monitor.
        const silent = far(c.nodes[1].rt.spawn(Silent));
        const pending: unknown[] = [];
        a.rt.call(silent, "hello", Number.POSITIVE_INFINITY).then(
          (v) => pending.push(v),
          (e) => pending.push(e),
        );
        const downs: DownMessage[] = [];
        a.rt.spawn(async () => {
          monitor(svc);
          for (;;) downs.push(await receive());
        });
        await c.flush();
        c.net.deliverAll(); // the call and the monitor reach the old b
        await c.flush();

        const b2 = await c.restart(1, gapMs);
        await c.quiesce(6);
        expect(a.rt.nodes()).toEqual(["b"]);
        expect(b2.rt.nodes()).toEqual(["a"]);

        // What was bound to the old b ended, once, with noconnection.
        expect(pending).toHaveLength(1);
        expect(pending[0]).toBeInstanceOf(CallError);
        expect((pending[0] as CallError).kind).toBe("noconnection");
        expect(downs).toHaveLength(1);
        expect(downs[0].reason).toBe("noconnection");
        // The old b's name is gone; its pids are dead for good.
        expect(a.rt.whereisGlobal("svc")).toBeUndefined();
        const old = await callSettled(c, a, svc, "late");
        expect(old).toBeInstanceOf(CallError);
        expect((old as CallError).kind).toBe("noproc");

        // The new b: its fresh global name reaches a, and calls to it get their replies, many of them.
        const svc2 = await service(c, a, b2);
        expect(svc2.creation).not.toBe(svc.creation);
        for (let i = 0; i < 40; i++) expect(await callSettled(c, a, svc2, i)).toEqual({ echo: i, n: i });
        // And b2 reaches a: a global name of a's is seen there, and answers.
        const back = a.rt.spawn(Echo);
        expect(a.rt.registerGlobal("back", back)).toBe(true);
        await c.quiesce(2);
        const seen = b2.rt.whereisGlobal("back");
        expect(seen?.equals(back)).toBe(true);
        expect(await callSettled(c, b2, seen!, "x")).toEqual({ echo: "x", n: 0 });
        await c.quiesce(4);
        expect(downs).toHaveLength(1);
        expect(pending).toHaveLength(1);
        expect(a.rt.nodes()).toEqual(["b"]);
      } finally {
        await c.stop();
      }
    });
  }

  it("frames of the old incarnation arriving late, and frames sent to it, are dropped: no link reset, a call to the new one gets its reply", async () => {
    const c = await DistCluster.start(["a", "b"]);
    try {
      const [a, b] = c.nodes;
      const svc = await service(c, a, b);
      for (let i = 0; i < 30; i++) expect(await callSettled(c, a, svc, i)).toEqual({ echo: i, n: i });
      // Frames both ways still in flight when b dies: the old b's to a, and a's to the old b.
      const sink = a.rt.spawn(async () => {
        for (;;) await receive();
      });
      for (let i = 0; i < 5; i++) b.rt.send(far(sink), { late: i });
      for (let i = 0; i < 5; i++) a.rt.send(svc, { stale: i });
      await c.flush();
      const b2 = await c.restart(1);
      await c.flush();
      // The new b's first beat overtakes the old b's frames (another channel); a answers it.
      const beat = c.net.inflight.findLastIndex((m) => m.from === "b");
      c.net.deliver(beat);
      await c.flush();
      const svc2 = far(b2.rt.spawn(Echo));
      const out: unknown[] = [];
      a.rt.call(svc2, "first", Number.POSITIVE_INFINITY).then(
        (v) => out.push(v),
        (e) => out.push(e),
      );
      await c.flush();
      for (let i = 0; i < 20 && out.length === 0; i++) await c.quiesce(1);
      expect(out).toEqual([{ echo: "first", n: 0 }]);
      expect(a.logs.filter((l) => l.includes("link reset"))).toEqual([]);
      expect(b2.logs.filter((l) => l.includes("link reset"))).toEqual([]);
    } finally {
      await c.stop();
    }
  });
});
