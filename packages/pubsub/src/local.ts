import type { Pid } from "@cinder/actors";
import type { Adapter, AdapterHost } from "./adapter.js";
import { NodeNameTakenError } from "./errors.js";

/** A message travelling between nodes of a `LocalCluster`: `target` null means every node but `origin`. */
interface InFlight {
  origin: string;
  target: string | null;
  topic: string;
  message: unknown;
  from: Pid | null;
}

/**
 * Several `PubSub` nodes inside one Node process, for tests and simulations: broadcasts travel between them
 * through one FIFO queue drained on the next macrotask, so they arrive later, in order, as over a network.
 * Messages are passed by reference, not copied. Node names must be unique in a cluster.
 */
export class LocalCluster {
  private readonly nodes = new Map<string, AdapterHost>();
  private queue: InFlight[] = [];
  private scheduled = false;

  /** The names of the nodes in the cluster now. */
  members(): string[] {
    return [...this.nodes.keys()];
  }

  /** @internal */
  join(host: AdapterHost): void {
    if (this.nodes.has(host.node)) throw new NodeNameTakenError(host.node, host.name);
    this.nodes.set(host.node, host);
  }

  /** @internal */
  leave(host: AdapterHost): void {
    if (this.nodes.get(host.node) === host) this.nodes.delete(host.node);
  }

  /** @internal */
  post(m: InFlight): void {
    this.queue.push(m);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    const q = this.queue;
    this.queue = [];
    this.scheduled = false;
    for (const m of q) {
      if (m.target !== null) {
        this.nodes.get(m.target)?.deliver(m.topic, m.message, m.from);
        continue;
      }
      for (const [name, host] of this.nodes) if (name !== m.origin) host.deliver(m.topic, m.message, m.from);
    }
  };
}

/** Options for the `local` adapter. */
export interface LocalAdapterOptions {
  /** Join this in-process cluster; without one, the node is alone and broadcasts stay on it. */
  cluster?: LocalCluster;
}

class LocalAdapter implements Adapter {
  readonly kind = "local";
  private host: AdapterHost | null = null;

  constructor(private readonly cluster: LocalCluster | null) {}

  start(host: AdapterHost): void {
    this.cluster?.join(host);
    this.host = host;
  }

  broadcast(topic: string, message: unknown, from: Pid | null): undefined {
    this.cluster?.post({ origin: this.host!.node, target: null, topic, message, from });
    return undefined;
  }

  directBroadcast(node: string, topic: string, message: unknown, from: Pid | null): undefined {
    this.cluster?.post({ origin: this.host!.node, target: node, topic, message, from });
    return undefined;
  }

  stop(): void {
    if (this.host !== null) this.cluster?.leave(this.host);
  }
}

/** The default adapter: no I/O. Alone, it serves one node; with a `LocalCluster`, several in one process. */
export function local(opts: LocalAdapterOptions = {}): Adapter {
  return new LocalAdapter(opts.cluster ?? null);
}
