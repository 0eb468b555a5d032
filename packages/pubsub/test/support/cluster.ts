/**
 * A test cluster: several nodes in this Node process, each with its own runtime and PubSub on a fresh adapter
 * of the same cluster, plus what the law tests need: recorder processes and `settle()`.
 */

import { createRuntime, type LogFunction, type Pid, type Runtime } from "@cinder/actors";
import { type Adapter, type Dispatcher, PubSub } from "@cinder/pubsub";
import { type Recorder, recorder } from "./recorder.js";

/** Makes a fresh adapter for one node of the cluster named `cluster` (nodes of one cluster share it). */
export type AdapterFactory = (cluster: string) => Adapter;

export interface TestNode {
  readonly node: string;
  readonly rt: Runtime;
  readonly ps: PubSub;
  /** What the node logged. */
  readonly logs: string[];
}

const FENCE = "$fence";
let clusterSeq = 0;

/** A cluster name no other test (or concurrent test run on the same Redis) uses. */
export function uniqueName(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${++clusterSeq}`;
}

export class TestCluster {
  private fenceSeq = 0;
  private readonly fences = new Map<string, Set<string>>();

  private constructor(
    readonly name: string,
    readonly nodes: TestNode[],
    private readonly factory: AdapterFactory,
  ) {}

  static async start(
    factory: AdapterFactory,
    names: string[],
    opts: { dispatcher?: (node: string) => Dispatcher; label?: string } = {},
  ): Promise<TestCluster> {
    const name = uniqueName(opts.label ?? "conf");
    const c = new TestCluster(name, [], factory);
    try {
      for (const n of names) await c.startNode(n, opts.dispatcher?.(n));
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** Starts one more node of this cluster (rejects as PubSub.start does). */
  async startNode(node: string, dispatcher?: Dispatcher): Promise<TestNode> {
    const rt = createRuntime({ node });
    const logs: string[] = [];
    const logger: LogFunction = (level, msg) => logs.push(`[${level}] ${msg}`);
    const ps = await PubSub.start({
      name: this.name,
      node,
      runtime: rt,
      adapter: this.factory(this.name),
      logger,
      dispatcher,
    });
    const seen = new Set<string>();
    this.fences.set(node, seen);
    // The fence process: directBroadcasts from every other node land here (see settle).
    const fence = rt.spawn({
      init: () => null,
      handleInfo: (tok: string, s: null) => {
        seen.add(tok);
        return s;
      },
    });
    ps.subscribe(fence, FENCE);
    await ps.sync();
    const n = { node, rt, ps, logs };
    this.nodes.push(n);
    return n;
  }

  /** Stops a node and takes it out of the cluster. */
  async stopNode(node: string): Promise<void> {
    const n = this.get(node);
    this.nodes.splice(this.nodes.indexOf(n), 1);
    await n.ps.stop();
  }

  get(node: string): TestNode {
    const n = this.nodes.find((x) => x.node === node);
    if (n === undefined) throw new Error(`no node ${node}`);
    return n;
  }

  /** Spawns a recorder process on `node`. */
  recorder(node: string): Recorder {
    return recorder(this.get(node).rt);
  }

  /** Subscribes and waits until broadcasts from other nodes will reach the subscription. */
  async subscribe(node: string, pid: Pid, topic: string, metadata?: unknown): Promise<void> {
    const ps = this.get(node).ps;
    ps.subscribe(pid, topic, metadata === undefined ? undefined : { metadata });
    await ps.sync();
  }

  async unsubscribe(node: string, pid: Pid, topic: string): Promise<void> {
    const ps = this.get(node).ps;
    ps.unsubscribe(pid, topic);
    await ps.sync();
  }

  /** Ends a process abruptly. */
  kill(node: string, pid: Pid): void {
    this.get(node).rt.exit(pid, "kill");
  }

  /**
   * Waits until everything broadcast so far has been handled: every node sends a fence to every other node
   * (adapters keep per-publisher FIFO, so a fence arrives after everything its node sent before), then every
   * runtime drains its run queue.
   */
  async settle(timeoutMs = 5000): Promise<void> {
    const expected: [string, string][] = [];
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a === b) continue;
        const tok = `${a.node}>${b.node}#${++this.fenceSeq}`;
        expected.push([b.node, tok]);
        const r = await a.ps.directBroadcast(b.node, FENCE, tok);
        if (!r.ok) throw new Error(`fence ${tok} could not be sent: ${r.error.message}`);
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (const [node, tok] of expected) {
      while (!this.fences.get(node)!.has(tok)) {
        if (Date.now() > deadline) throw new Error(`settle: fence ${tok} never arrived`);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    for (let i = 0; i < 2; i++) for (const n of this.nodes) await n.rt.drain();
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) await n.ps.stop();
  }
}
