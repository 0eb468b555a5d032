/**
 * Processes reaching each other across three Node processes over a real Redis (test/fixtures/dist-node.mjs):
 * a store registered under a global name serves calls from every node; a monitor gets the real exit reason;
 * the node holding the name is killed with SIGKILL while a call to it is in flight, and the call rejects
 * with noconnection (once), the monitor fires noconnection (once), the name is freed everywhere, and another
 * node takes it over.
 */

import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "./helpers/fault.js";
import { ensureBuilt, NodeProcess } from "./helpers/node-process.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = await redisAvailable("the multi-node distribution test");
const fixture = fileURLToPath(new URL("./fixtures/dist-node.mjs", import.meta.url));

// A down time long enough that a node stalled by a busy machine is not taken for dead.
const TIMING = { heartbeatMs: 250, downAfterMs: 4000 };

type Outcome = { ok: true; value: unknown } | { ok: false; kind: string; message: string };
type Down = { pid: string; reason: unknown; at: number };

describe.skipIf(!ok)("distribution across three Node processes over Redis", () => {
  const name = `dist-${process.pid}-${Date.now().toString(36)}`;
  const nodes: Record<string, NodeProcess> = {};
  const all: NodeProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    await Promise.all(
      ["a", "b", "c"].map(async (node) => {
        const n = await NodeProcess.spawn(fixture);
        all.push(n);
        await n.call("start", { name, node, url: REDIS_URL, timing: TIMING });
        nodes[node] = n;
      }),
    );
    for (const node of ["a", "b", "c"]) {
      await waitFor(
        `${node} sees the two others`,
        async () => (await nodes[node].call<string[]>("nodes")).length === 2,
        {
          timeoutMs: 30_000,
        },
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(all.map((n) => n.stop()));
  }, 30_000);

  it("a store under a global name on b serves calls from a and c; a second registration is refused", async () => {
    expect(await nodes.b.call("startStore", { as: "store" })).toBe(true);
    let pid = "";
    for (const node of ["a", "c"]) {
      await waitFor(
        `${node} knows the store`,
        async () => {
          pid = (await nodes[node].call<string | null>("whereis", { as: "store" })) ?? "";
          return pid !== "";
        },
        { timeoutMs: 30_000 },
      );
    }
    expect(pid).toMatch(/^<b\.\d+>$/);
    expect(
      await nodes.a.call<Outcome>("call", { as: "store", req: { op: "put", key: "k", value: [1, "x"] } }),
    ).toEqual({ ok: true, value: "ok" });
    expect(await nodes.c.call<Outcome>("call", { as: "store", req: { op: "get", key: "k" } })).toEqual({
      ok: true,
      value: [1, "x"],
    });
    expect(await nodes.c.call("startStore", { as: "store" })).toBe(false);
  }, 60_000);

  it("a monitor across nodes gets the process's real exit reason, once", async () => {
    expect(await nodes.b.call("startStore", { as: "temp" })).toBe(true);
    await waitFor("a knows temp", async () => (await nodes.a.call("whereis", { as: "temp" })) !== null, {
      timeoutMs: 30_000,
    });
    const pid = await nodes.a.call<string>("monitor", { as: "temp" });
    // The monitor is in place once a call through the same link has come back (frames keep their order).
    await nodes.a.call("call", { as: "temp", req: { op: "node" } });
    await nodes.b.call("stopStore", { as: "temp", reason: "done_here" });
    await waitFor("a gets the DOWN", async () => (await nodes.a.call<Down[]>("downs")).length === 1, {
      timeoutMs: 30_000,
    });
    const [d] = await nodes.a.call<Down[]>("downs");
    expect(d).toMatchObject({ pid, reason: "done_here" });
    await waitFor(
      "temp is freed on c",
      async () => (await nodes.c.call("whereis", { as: "temp" })) === null,
      { timeoutMs: 30_000 },
    );
  }, 60_000);

  it("SIGKILL of the node holding the name with a call in flight: noconnection once, DOWN once, the name freed, c takes over", async () => {
    await nodes.a.call("monitor", { as: "store" });
    await nodes.a.call("call", { as: "store", req: { op: "node" } });
    // A call the store answers only after a minute: in flight when b dies.
    const h = await nodes.a.call<number>("callInFlight", {
      as: "store",
      req: { op: "slow", ms: 60_000 },
      timeout: 45_000,
    });
    await nodes.a.call("call", { as: "store", req: { op: "node" } });
    const killedAt = Date.now();
    await nodes.b.kill();
    const r = await nodes.a.call<Outcome>("result", { h });
    const noticedAfter = Date.now() - killedAt;
    expect(r).toMatchObject({ ok: false, kind: "noconnection" });
    // Noticed by the heartbeat: after downAfterMs, well before the call's own timeout.
    expect(noticedAfter).toBeGreaterThanOrEqual(TIMING.downAfterMs - 500);
    expect(noticedAfter).toBeLessThan(40_000);
    await waitFor("a's monitor fires", async () => (await nodes.a.call<Down[]>("downs")).length === 2, {
      timeoutMs: 30_000,
    });
    for (const node of ["a", "c"]) {
      await waitFor(`${node} drops b`, async () => (await nodes[node].call<string[]>("nodes")).length === 1, {
        timeoutMs: 30_000,
      });
      expect(await nodes[node].call("whereis", { as: "store" })).toBe(null);
    }
    const downs = await nodes.a.call<Down[]>("downs");
    expect(downs[1].reason).toBe("noconnection");
    // c starts the store again: a few lines of failover, and a reaches it under the same name.
    expect(await nodes.c.call("startStore", { as: "store" })).toBe(true);
    await waitFor(
      "a knows the new store",
      async () => String(await nodes.a.call("whereis", { as: "store" })).startsWith("<c."),
      { timeoutMs: 30_000 },
    );
    expect(await nodes.a.call<Outcome>("call", { as: "store", req: { op: "node" } })).toEqual({
      ok: true,
      value: "c",
    });
    // Nothing more arrives: the DOWN and the call each settled once.
    await new Promise((r) => setTimeout(r, 500));
    expect((await nodes.a.call<Down[]>("downs")).length).toBe(2);
  }, 120_000);
});
