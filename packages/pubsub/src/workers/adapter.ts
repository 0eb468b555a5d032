import type { Pid } from "@cinder/actors";
import type { Adapter, AdapterHost } from "../adapter.js";
import { type Codec, jsonCodec } from "../codec.js";
import { DropCounter } from "../drop_counter.js";
import { type DropReason, envelopeHead, envelopeItem } from "../envelope.js";
import { CodecError, NodeNameTakenError } from "../errors.js";
import { type ReceiveLimits, resolveLimits } from "../limits.js";
import { DROP_COUNTERS, Receiver } from "../receiver.js";
import { type IpcChannel, parentChannel } from "./ipc_channel.js";
import { isTagged, TAG, type ToHub, toWorker } from "./ipc_messages.js";

/** Options for the `workers` adapter. */
export interface WorkersAdapterOptions {
  /** The channel to the primary's `WorkersHub` (default: this worker's IPC channel to its primary). */
  channel?: IpcChannel;
  /** How messages become text (default `jsonCodec`). Every worker must use the same. */
  codec?: Codec;
  /** What this node accepts from the others (defaults in `DEFAULT_LIMITS`); senders keep within the same. */
  limits?: Partial<ReceiveLimits>;
  /** How long to wait for the hub to answer a join before `PubSub.start` rejects (default 10 s). */
  joinTimeoutMs?: number;
}

/** The workers adapter's counters (in `PubSub.stats().adapter`). */
export interface WorkersAdapterStats {
  [key: string]: number | boolean;
  /** The channel to the primary is open. */
  connected: boolean;
  /** Broadcasts handed to the channel. */
  published: number;
  /** Broadcasts received from other workers and dispatched here. */
  received: number;
  /** Messages of the protocol that are not of its shape, dropped. */
  ignoredMalformedControl: number;
}

/**
 * The adapter of one worker among the `node:cluster` workers of a machine: broadcasts go over the worker's IPC
 * channel to the primary's `WorkersHub`, which passes them to the workers with subscribers. Envelopes are the
 * Redis adapter's, and what arrives is checked the same way (size, shape, limits) before it is dispatched.
 */
class WorkersAdapter implements Adapter {
  readonly kind = "workers";
  /** Messages cross as the codec's text: distribution frames need no copy first. */
  readonly serializes = true;
  private readonly codec: Codec;
  private readonly limits: ReceiveLimits;
  private readonly joinTimeoutMs: number;
  private channel: IpcChannel | null;
  private host!: AdapterHost;
  private receiver: Receiver | null = null;
  private unlisten: (() => void) | null = null;
  private started = false;
  private stopped = false;
  private closed = false;
  private refs = 0;
  /** The acknowledgement the broadcasts of this tick wait for. */
  private handed: Promise<unknown> | null = null;
  private readonly waiting = new Map<number, (ok: boolean) => void>();
  private drops!: DropCounter;
  private readonly counters = { published: 0, received: 0, ignoredMalformedControl: 0 };

  constructor(opts: WorkersAdapterOptions) {
    this.channel = opts.channel ?? null;
    this.codec = opts.codec ?? jsonCodec;
    this.limits = resolveLimits(opts.limits, "workers");
    this.joinTimeoutMs = opts.joinTimeoutMs ?? 10_000;
    if (!(this.joinTimeoutMs > 0))
      throw new TypeError(`workers: joinTimeoutMs must be a positive number, got ${opts.joinTimeoutMs}`);
  }

  async start(host: AdapterHost): Promise<void> {
    if (this.started) throw new Error("workers: this adapter is already started (make one per PubSub)");
    this.started = true;
    this.host = host;
    const channel = (this.channel ??= parentChannel());
    this.drops = new DropCounter((line, kind) =>
      host.logger.log(
        "warn",
        `${this.label()}: a message from the primary was ${line}; counted in stats().adapter.${
          kind === "control" ? "ignoredMalformedControl" : DROP_COUNTERS[kind as DropReason]
        }`,
      ),
    );
    const receiver = new Receiver({
      codec: this.codec,
      limits: this.limits,
      keys: null,
      node: host.node,
      topicPrefix: "t:",
      nodeChannel: `n:${host.node}`,
      drops: this.drops,
    });
    this.receiver = receiver;
    this.unlisten = channel.listen((m) => this.receive(m));
    const ok = await this.request("join");
    if (ok === null) {
      this.unlisten();
      throw new Error(
        `workers: no hub answered within ${this.joinTimeoutMs} ms; the primary must run startWorkers() (or a WorkersHub on this channel)`,
      );
    }
    if (!ok) {
      this.unlisten();
      throw new NodeNameTakenError(host.node, host.name);
    }
  }

  private receive(m: unknown): void {
    if (!isTagged(m)) return;
    const msg = toWorker(m);
    if (msg === null) {
      this.counters.ignoredMalformedControl++;
      this.drops.drop("control", "a message that is not of the workers protocol");
      return;
    }
    // Another pubsub of this process shares the channel.
    if (msg.name !== this.host.name || msg.node !== this.host.node) return;
    if (msg.op === "env") {
      const e = this.receiver?.receive(Buffer.from(msg.channel), Buffer.from(msg.data)) ?? null;
      if (e === null) return;
      const items = e.items;
      this.counters.received += items.length / 2;
      for (let i = 0; i < items.length; i += 2)
        this.host.deliver(e.topic, items[i + 1], items[i] as Pid | null);
      return;
    }
    const resolve = this.waiting.get(msg.ref);
    if (resolve === undefined) return;
    this.waiting.delete(msg.ref);
    resolve(msg.op === "joined" ? msg.ok : true);
  }

  /** Sends a join or a sync and waits for its answer: its `ok`, or null if none came in time. */
  private request(op: "join" | "sync"): Promise<boolean | null> {
    const ref = ++this.refs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ref);
        resolve(null);
      }, this.joinTimeoutMs);
      this.waiting.set(ref, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      if (!this.post({ cinder: TAG, op, name: this.host.name, node: this.host.node, ref })) {
        clearTimeout(timer);
        this.waiting.delete(ref);
        resolve(null);
      }
    });
  }

  private post(msg: ToHub): boolean {
    if (this.closed || this.channel === null) return false;
    if (this.channel.send(msg)) return true;
    this.closed = true;
    return false;
  }

  broadcast(topic: string, message: unknown, from: Pid | null): Promise<unknown> {
    return this.send(null, topic, message, from);
  }

  directBroadcast(node: string, topic: string, message: unknown, from: Pid | null): Promise<unknown> {
    return this.send(node, topic, message, from);
  }

  private send(to: string | null, topic: string, message: unknown, from: Pid | null): Promise<unknown> {
    // Throws a CodecError before anything is sent, for what cannot travel or what receivers would refuse.
    const item = envelopeItem(this.codec, from, message, this.limits);
    const data = `${envelopeHead(to === null ? "b" : "d", this.host.node, to, topic)}${item}]`;
    const max = this.limits.maxEnvelopeBytes;
    if (data.length * 3 > max && Buffer.byteLength(data) > max) {
      throw new CodecError(
        `the message takes ${Buffer.byteLength(item)} bytes encoded, past limits.maxEnvelopeBytes (${max}), which receivers refuse`,
        [],
        "maxEnvelopeBytes",
      );
    }
    const { name, node } = this.host;
    if (!this.post({ cinder: TAG, op: "send", name, node, to, topic, data }))
      return Promise.reject(new Error("the IPC channel to the primary is closed"));
    this.counters.published++;
    return (this.handed ??= this.acknowledge());
  }

  /**
   * Settles once the hub has relayed everything sent so far. Workers reach the hub over separate channels, so
   * without it a message another worker sends after awaiting this one could overtake it; one answer covers
   * every broadcast of the same tick.
   */
  private acknowledge(): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) =>
      queueMicrotask(() => {
        this.handed = null;
        this.request("sync").then((ok) =>
          ok === true
            ? resolve(undefined)
            : reject(new Error("the primary did not acknowledge the broadcast")),
        );
      }),
    );
  }

  topicChanged(topic: string, present: boolean): void {
    this.post({
      cinder: TAG,
      op: present ? "sub" : "unsub",
      name: this.host.name,
      node: this.host.node,
      topic,
    });
  }

  async sync(): Promise<void> {
    if (this.closed) return;
    await this.request("sync");
  }

  stats(): WorkersAdapterStats {
    const r = this.receiver;
    return {
      connected: this.started && !this.stopped && !this.closed,
      ...this.counters,
      ignoredOwn: r?.ignoredOwn ?? 0,
      ...(r?.counters ?? Receiver.zeroes()),
    };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.post({ cinder: TAG, op: "leave", name: this.host.name, node: this.host.node });
    this.unlisten?.();
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }

  private label(): string {
    return `pubsub ${JSON.stringify(this.host.name)} on ${JSON.stringify(this.host.node)}`;
  }
}

/**
 * The workers adapter: the `node:cluster` workers of one machine share topics through their primary, which
 * runs `startWorkers()` (or a `WorkersHub`); no Redis needed. Node names must differ between workers:
 * `workerNode("a")` gives `a-0`, `a-1`, ...
 *
 * ```ts
 * const pubsub = await PubSub.start({ name: "app", node: workerNode("web"), adapter: workers() });
 * ```
 */
export function workers(opts: WorkersAdapterOptions = {}): Adapter {
  return new WorkersAdapter(opts);
}
