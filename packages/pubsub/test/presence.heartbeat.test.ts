/**
 * One heartbeat per node: Presence replicas ride the node's heartbeat rather than beating on their own, also
 * on a pubsub without distribution (the first replica starts the heartbeat, at its broadcastPeriodMs).
 */

import { createRuntime } from "@cinder/actors";
import { LocalCluster, local, Presence, PubSub } from "@cinder/pubsub";
import { afterEach, expect, it } from "vitest";
import { recorder } from "./support/recorder.js";

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

it("two replicas of two presence sets on each of two nodes: one node heartbeat carries them all; no beat on their own topics", async () => {
  const cluster = new LocalCluster();
  const PERIOD = 20;
  const nodes = await Promise.all(
    ["a", "b"].map(async (node) => {
      const rt = createRuntime({ node, logger: () => {} });
      const ps = await PubSub.start({
        name: "hb",
        runtime: rt,
        adapter: local({ cluster }),
        logger: () => {},
      });
      stops.push(() => ps.stop());
      const sets = ["x", "y"].map((name) => {
        const p = Presence.start({
          pubsub: ps,
          name,
          runtime: rt,
          broadcastPeriodMs: PERIOD,
          logger: () => {},
        });
        stops.push(() => p.stop());
        return p;
      });
      return { rt, ps, sets };
    }),
  );
  const [a, b] = nodes;
  // The heartbeat runs without distribution: the nodes know each other through it.
  await until(() => a.ps.nodes().length === 1 && b.ps.nodes().length === 1);
  // Every replica has heard from its peer (replicas answer a newcomer once, on their topic: not a beat).
  await until(() => nodes.every((n) => n.sets.every((p) => p.stats().replicasUp === 1)));
  const { pid: spy, got } = recorder(b.rt);
  for (const name of ["x", "y"]) b.ps.subscribe(spy, `cinder:presence:${name}`);
  const user = a.rt.spawn({ init: () => null });
  for (const p of a.sets) expect(p.track(user, "room", "u1", {})).toMatchObject({ ok: true });
  // The deltas travel in the node's beats: both sets replicate.
  await until(() => b.sets.every((p) => p.list("room").u1 !== undefined));
  const beats = () => got.filter((m) => (m as { t?: string }).t === "hb").length;
  const before = beats();
  const start = Date.now();
  await until(() => Date.now() - start > PERIOD * 10);
  expect(beats()).toBe(before);
  a.rt.exit(user, "kill");
  await until(() => b.sets.every((p) => p.list("room").u1 === undefined));
});
