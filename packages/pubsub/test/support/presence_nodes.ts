/**
 * Several Presence nodes in this Node process for the Presence tests: each with its own runtime on one shared
 * manual clock, a PubSub on a `SimNet`, and recorder processes subscribed to the test topics.
 */

import { createRuntime, type Pid, type Runtime } from "@cinder/actors";
import { Presence, type PresenceDiff, type PresenceOptions, PubSub } from "@cinder/pubsub";
import { FakeClock, settle } from "../../../actors/test/support/helpers.js";
import { recorder } from "./recorder.js";
import { SimNet } from "./sim_net.js";

export interface SimNode {
  readonly node: string;
  readonly rt: Runtime;
  readonly ps: PubSub;
  readonly presence: Presence;
  /** The presence_diffs each topic's recorder got, in order. */
  readonly diffs: Map<string, PresenceDiff[]>;
  readonly logs: string[];
}

export const TIMING = { broadcastPeriodMs: 100, downPeriodMs: 500, permdownPeriodMs: 2000 };

export class SimCluster {
  readonly clock = new FakeClock();
  readonly net = new SimNet();
  readonly nodes: SimNode[] = [];

  /** Starts `names` as nodes, each with a recorder subscribed to every topic of `topics`. */
  static async start(
    names: string[],
    topics: string[],
    opts: Partial<PresenceOptions> = {},
  ): Promise<SimCluster> {
    const c = new SimCluster();
    for (const node of names) await c.add(node, topics, opts);
    return c;
  }

  /** Starts one more node. */
  async add(node: string, topics: string[], opts: Partial<PresenceOptions> = {}): Promise<SimNode> {
    const logs: string[] = [];
    const rt = createRuntime({ node, clock: this.clock, logger: (_l, m) => logs.push(m) });
    const ps = await PubSub.start({
      name: "sim",
      node,
      runtime: rt,
      adapter: this.net.adapter(),
      logger: () => {},
    });
    const diffs = new Map<string, PresenceDiff[]>();
    for (const t of topics) {
      const rec = recorder<PresenceDiff>(rt);
      diffs.set(t, rec.got);
      ps.subscribe(rec.pid, t);
    }
    const presence = Presence.start({
      pubsub: ps,
      name: "sim",
      runtime: rt,
      ...TIMING,
      logger: (_l: string, m: string) => {
        logs.push(m);
      },
      ...opts,
    });
    const n: SimNode = { node, rt, ps, presence, diffs, logs };
    this.nodes.push(n);
    await this.flush();
    return n;
  }

  /** Lets every node's runtime run until it is quiet. */
  readonly flush = async (): Promise<void> => {
    for (let i = 0; i < 2; i++) for (const n of this.nodes) await settle(n.rt);
  };

  /** Moves the clock forward by `ms`, letting the runtimes run after each timer. */
  async advance(ms: number): Promise<void> {
    await this.clock.advanceAsync(ms, this.flush);
  }

  /** Delivers everything in flight, heartbeats included, for `periods` broadcast periods. */
  async quiesce(periods: number): Promise<void> {
    for (let i = 0; i < periods; i++) {
      this.net.deliverAll();
      await this.flush();
      this.net.deliverAll();
      await this.advance(TIMING.broadcastPeriodMs);
    }
    this.net.deliverAll();
    await this.flush();
  }

  /** A process on `n` that does nothing but live, to be tracked. */
  spawnUser(n: SimNode): Pid {
    return n.rt.spawn({ init: () => null, handleInfo: (_m: unknown, s: null) => s });
  }
}
