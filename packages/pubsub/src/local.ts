import { describeValue, type Pid, strictChecks } from "@cinder/actors";
import type { Adapter, AdapterHost } from "./adapter.js";
import { type Codec, jsonCodec } from "./codec.js";
import { NodeNameTakenError } from "./errors.js";
import { type ReceiveLimits, resolveLimits } from "./limits.js";
import { checkPayload } from "./payload_check.js";

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
  /**
   * Check every broadcast as the Redis adapter does before it sends one (encoded with `codec` within
   * `limits`, the envelope within `limits.maxEnvelopeBytes`), so that a message that could not cross nodes (a
   * function, a class instance, a cycle, too large) throws its `CodecError` on one node too. Nothing is
   * copied: subscribers still get the very object broadcast. Default: on in development and test, off in
   * production (where it would only cost time).
   */
  checkPayloads?: boolean;
  /** The codec of the check (default `jsonCodec`, the Redis adapter's default): give the one Redis uses. */
  codec?: Codec;
  /** The limits of the check (default `DEFAULT_LIMITS`): give the ones Redis uses. */
  limits?: Partial<ReceiveLimits>;
}

class LocalAdapter implements Adapter {
  readonly kind = "local";
  private host: AdapterHost | null = null;

  constructor(
    private readonly cluster: LocalCluster | null,
    /** The check's codec and limits; null when payloads are not checked. */
    private readonly check: { codec: Codec; limits: ReceiveLimits } | null,
  ) {}

  start(host: AdapterHost): void {
    this.cluster?.join(host);
    this.host = host;
  }

  broadcast(topic: string, message: unknown, from: Pid | null): undefined {
    const c = this.check;
    if (c !== null) checkPayload(c.codec, c.limits, "b", this.host!.node, null, topic, message, from);
    this.cluster?.post({ origin: this.host!.node, target: null, topic, message, from });
    return undefined;
  }

  directBroadcast(node: string, topic: string, message: unknown, from: Pid | null): undefined {
    const c = this.check;
    if (c !== null) checkPayload(c.codec, c.limits, "d", this.host!.node, node, topic, message, from);
    this.cluster?.post({ origin: this.host!.node, target: node, topic, message, from });
    return undefined;
  }

  stop(): void {
    if (this.host !== null) this.cluster?.leave(this.host);
  }
}

/**
 * The default adapter: no I/O. Alone, it serves one node; with a `LocalCluster`, several in one process. In
 * development and test it checks payloads as the Redis adapter would (see `checkPayloads`).
 */
export function local(opts: LocalAdapterOptions = {}): Adapter {
  const checkPayloads = opts.checkPayloads ?? strictChecks();
  if (typeof checkPayloads !== "boolean")
    throw new TypeError(`local: checkPayloads must be a boolean, got ${describeValue(checkPayloads)}`);
  const codec = opts.codec ?? jsonCodec;
  if (typeof codec?.encode !== "function")
    throw new TypeError(`local: codec must be a codec ({ encode, decode }), got ${describeValue(codec)}`);
  const limits = resolveLimits(opts.limits, "local");
  return new LocalAdapter(opts.cluster ?? null, checkPayloads ? { codec, limits } : null);
}
