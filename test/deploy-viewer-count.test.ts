/**
 * The deploy demo's viewer counter (apps/deploy-demo/src/viewer_counter.ts): Presence nodes on one manual clock
 * (`SimCluster`), a counter on each, and a recorder of each node's count broadcasts. Time moves only when the
 * test moves it, so "at once" means "before the clock moved" and the throttle is checked by counting
 * broadcasts per period, never by timing anything. The same counts on real nodes over Redis:
 * deploy-multinode.test.ts; forged counts from Redis: trust-remote-input.test.ts.
 */

import type { Pid } from "@cinder/actors";
import type { Broadcast } from "@cinder/liveview";
import { describe, expect, it } from "vitest";
import {
  VIEWER_COUNT_TOPIC,
  VIEWERS_TOPIC,
  type ViewerCount,
} from "../apps/deploy-demo/src/cluster_messages.js";
import { countViewers, ViewerCounter } from "../apps/deploy-demo/src/viewer_counter.js";
import { SimCluster, type SimNode } from "../packages/pubsub/test/support/presence_nodes.js";

const PERIOD = 1000;

interface Counted {
  node: SimNode;
  counter: ViewerCounter;
  /** The count broadcasts this node's views got, with the (manual) time each arrived. */
  heard: { at: number; count: ViewerCount }[];
  rejected: string[];
}

async function counted(c: SimCluster): Promise<Counted[]> {
  const out = c.nodes.map((node): Counted => {
    const rejected: string[] = [];
    const counter = ViewerCounter.start({
      pubsub: node.ps,
      presence: node.presence,
      reject: (what) => rejected.push(what),
      periodMs: PERIOD,
      runtime: node.rt,
    });
    const heard: Counted["heard"] = [];
    const view = node.rt.spawn({
      init: () => null,
      handleInfo: (m: Broadcast<ViewerCount>, s: null) => {
        heard.push({ at: c.clock.now(), count: m.payload });
        return s;
      },
    });
    node.ps.subscribe(view, VIEWER_COUNT_TOPIC);
    return { node, counter, heard, rejected };
  });
  await c.flush();
  return out;
}

/** A viewer of `n` joining in a tick of its own (its own presence_diff). */
async function join(c: SimCluster, n: SimNode): Promise<Pid> {
  const pid = c.spawnUser(n);
  n.presence.track(pid, VIEWERS_TOPIC, String(pid), { node: n.node });
  await c.flush();
  return pid;
}

/** Consecutive count broadcasts on a node are at least a period apart. */
function throttled(heard: Counted["heard"]): void {
  for (let i = 1; i < heard.length; i++) expect(heard[i].at - heard[i - 1].at).toBeGreaterThanOrEqual(PERIOD);
}

describe("the deploy demo's viewer counter", () => {
  it("shows a lone join at once, costs one count per period in a storm of joins and leaves, and ends on the truth", async () => {
    const c = await SimCluster.start(["a"], []);
    const [a] = await counted(c);
    expect(a.counter.count).toEqual({ total: 0, byNode: {} });

    // A lone join: counted and told before the clock moves.
    await join(c, a.node);
    expect(a.heard.map((h) => h.count)).toEqual([{ total: 1, byNode: { a: 1 } }]);
    expect(a.counter.count).toEqual({ total: 1, byNode: { a: 1 } });

    // A storm within the period: 300 joins, each its own diff, and not one more count until the period ends...
    const pids: Pid[] = [];
    for (let i = 0; i < 300; i++) pids.push(await join(c, a.node));
    expect(a.heard).toHaveLength(1);
    // ...then one, with all of them.
    await c.advance(PERIOD);
    expect(a.heard.map((h) => h.count)).toEqual([
      { total: 1, byNode: { a: 1 } },
      { total: 301, byNode: { a: 301 } },
    ]);

    // A storm over ten periods (joins, and leaves of the first viewers): at most one count per period.
    const start = c.clock.now();
    for (let p = 0; p < 10; p++) {
      for (let i = 0; i < 50; i++) {
        await join(c, a.node);
        if (i % 2 === 0) a.node.rt.exit(pids.pop()!, "kill");
      }
      await c.advance(PERIOD / 2);
    }
    await c.advance(2 * PERIOD); // the storm's last change, counted at its period's end
    const stormCounts = a.heard.filter((h) => h.at >= start);
    expect(stormCounts.length).toBeGreaterThan(0);
    expect(stormCounts.length).toBeLessThanOrEqual(1 + (c.clock.now() - start) / PERIOD);
    throttled(a.heard);

    // The last count is the truth: 301 + 500 joins - 250 leaves.
    const truth = { total: 551, byNode: { a: 551 } };
    expect(countViewers(a.node.presence)).toEqual(truth);
    expect(a.heard.at(-1)?.count).toEqual(truth);
    expect(a.counter.count).toEqual(truth);
    expect(a.rejected).toEqual([]);
  });

  it("a change that undoes itself within a period is not told; an idle counter tells the next lone join at once", async () => {
    const c = await SimCluster.start(["a"], []);
    const [a] = await counted(c);
    await join(c, a.node);
    const gone = await join(c, a.node);
    a.node.rt.exit(gone, "kill");
    await c.flush();
    await c.advance(3 * PERIOD);
    expect(a.heard.map((h) => h.count.total)).toEqual([1]);
    await join(c, a.node);
    expect(a.heard.map((h) => h.count.total)).toEqual([1, 2]);
  });

  it("two nodes: each counter counts the cluster by node, throttled, and both end on the truth", async () => {
    const c = await SimCluster.start(["a", "b"], []);
    const [a, b] = await counted(c);
    for (let i = 0; i < 40; i++) {
      await join(c, a.node);
      if (i % 2 === 0) await join(c, b.node);
      // Deltas cross between the nodes with the heartbeats (every 100 ms of the manual clock).
      c.net.deliverAll();
      await c.advance(100);
    }
    await c.quiesce(30);
    const truth = { total: 60, byNode: { a: 40, b: 20 } };
    for (const n of [a, b]) {
      expect(n.heard.at(-1)?.count, n.node.node).toEqual(truth);
      expect(n.counter.count).toEqual(truth);
      throttled(n.heard);
      // 40 joins a node's counter hears of over about 4 s (1 + 4 periods), and the other node's in between.
      expect(n.heard.length).toBeLessThanOrEqual(1 + c.clock.now() / PERIOD);
    }
  });

  it("drops and counts what fails the guard on the Presence topic (another node can send there), and is not woken by it", async () => {
    const c = await SimCluster.start(["a", "b"], []);
    const [a] = await counted(c);
    await join(c, a.node);
    const forged: unknown[] = [
      null,
      { topic: VIEWERS_TOPIC, event: "presence_diff", payload: null },
      { topic: VIEWERS_TOPIC, event: "count", payload: { total: 9, byNode: { evil: 9 } } },
    ];
    for (const m of forged) await c.nodes[1].ps.broadcast(VIEWERS_TOPIC, m);
    c.net.deliverAll();
    await c.flush();
    expect(a.rejected).toEqual(["not-a-broadcast", "viewers-diff", "viewers-diff"]);
    await c.advance(2 * PERIOD);
    expect(a.heard.map((h) => h.count)).toEqual([{ total: 1, byNode: { a: 1 } }]);
  });

  it("stops with its node's viewers: no more counts after `stop`", async () => {
    const c = await SimCluster.start(["a"], []);
    const [a] = await counted(c);
    a.counter.stop();
    a.counter.stop();
    await join(c, a.node);
    await c.advance(2 * PERIOD);
    expect(a.heard).toEqual([]);
    expect(a.node.rt.isAlive(a.counter.pid)).toBe(false);
  });
});
