/**
 * Several distributed runtimes in this Node process for the distribution laws: each with its own runtime on
 * one shared manual clock and a PubSub with distribution on a `SimNet`, whose messages the test delivers,
 * loses, duplicates or cuts, pair by pair.
 */

import { createRuntime, type Runtime } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { FakeClock, settle } from "../../../actors/test/support/helpers.js";
import { SimNet } from "./sim_net.js";

export const DIST_TIMING = { heartbeatMs: 100, downAfterMs: 300 };

export interface DistNode {
  readonly node: string;
  readonly rt: Runtime;
  readonly ps: PubSub;
  readonly logs: string[];
}

export class DistCluster {
  readonly clock = new FakeClock();
  readonly net = new SimNet();
  readonly nodes: DistNode[] = [];

  /** Starts `names` and lets them meet (every node up for every other). */
  static async start(names: string[]): Promise<DistCluster> {
    const c = new DistCluster();
    for (const node of names) c.nodes.push(await c.boot(node));
    await c.quiesce(3);
    for (const n of c.nodes) {
      if (n.rt.nodes().length !== names.length - 1) throw new Error(`${n.node} sees ${n.rt.nodes()} only`);
    }
    return c;
  }

  /** Starts one node (a new incarnation, with its own creation, if the name was used before). */
  async boot(node: string): Promise<DistNode> {
    const logs: string[] = [];
    const rt = createRuntime({ node, clock: this.clock, logger: (_l, m) => logs.push(m) });
    const ps = await PubSub.start({
      name: "sim",
      runtime: rt,
      adapter: this.net.adapter(),
      distribution: DIST_TIMING,
      logger: (_l, m) => logs.push(m),
    });
    return { node, rt, ps, logs };
  }

  /**
   * Kills node `i` hard (no goodbye: what it sent is still in flight) and starts a new incarnation under
   * the same name in its place, `gapMs` later; the dead one's runtime is kept in `crashed` (its timers
   * still run, mute).
   */
  async restart(i: number, gapMs = 0): Promise<DistNode> {
    const old = this.nodes[i];
    this.net.crash(old.node);
    this.crashed.push(old);
    if (gapMs > 0) await this.advance(gapMs);
    const fresh = await this.boot(old.node);
    this.nodes[i] = fresh;
    return fresh;
  }

  readonly crashed: DistNode[] = [];

  /** Lets every runtime run until it is quiet. */
  readonly flush = async (): Promise<void> => {
    for (let i = 0; i < 2; i++) for (const n of this.nodes) await settle(n.rt);
  };

  async advance(ms: number): Promise<void> {
    await this.clock.advanceAsync(ms, this.flush);
  }

  /**
   * Delivers one message in flight, picked by `pick` in [0, 1): the oldest of its pair of nodes, as the
   * transport keeps each pair's order (with `dup`, a copy stays in flight: the network duplicated it).
   */
  async deliverOne(pick: number, dup = false): Promise<void> {
    const q = this.net.inflight;
    if (q.length === 0) return;
    const m = q[Math.floor(pick * q.length)];
    const first = q.findIndex((x) => x.from === m.from && x.to === m.to);
    this.net.deliver(first, dup);
    await this.flush();
  }

  /** Loses the message in flight picked by `pick`. */
  lose(pick: number): void {
    const q = this.net.inflight;
    if (q.length > 0) this.net.lose(Math.floor(pick * q.length));
  }

  /** Delivers everything in flight and lets time pass, `periods` heartbeat periods. */
  async quiesce(periods: number): Promise<void> {
    for (let i = 0; i < periods; i++) {
      this.net.deliverAll();
      await this.flush();
      this.net.deliverAll();
      await this.advance(DIST_TIMING.heartbeatMs);
    }
    this.net.deliverAll();
    await this.flush();
  }

  async stop(): Promise<void> {
    for (const n of [...this.nodes, ...this.crashed]) await n.ps.stop();
  }
}
