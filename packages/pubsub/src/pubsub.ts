import {
  consoleLogger,
  describeValue,
  isTraced,
  type Logger,
  Pid,
  type Runtime,
  runtime,
  self,
  type TransportHost,
  toLogger,
  traceCall,
} from "@cinder/actors";
import type { Adapter, AdapterHost } from "./adapter.js";
import { channels } from "./diagnostics.js";
import type { Dispatcher, Entry } from "./dispatcher.js";
import { BroadcastError } from "./errors.js";
import { HEARTBEAT_TOPIC, Heartbeat, type HeartbeatSink, type Rider } from "./heartbeat.js";
import { FRAME_TOPIC, NodeTransport } from "./node_transport.js";
import {
  type BroadcastResult,
  checkStartOptions,
  distributionTiming,
  type PubSubOptions,
  type PubSubStats,
  type SubscribeOptions,
} from "./pubsub_options.js";
import { Registry } from "./registry.js";
import { RemoteFailures, SENT } from "./remote_failures.js";
import { assertTopic } from "./topic.js";

/** What a heartbeat tells a pubsub without distribution: nothing it acts on. */
const QUIET_SINK: HeartbeatSink = { up() {}, down() {}, counts: () => ({}), claimed() {} };

/**
 * Phoenix.PubSub for Cinder processes: processes subscribe to topics; a broadcast sends the message to every
 * subscription's mailbox (`send(pid, message)`), on this node and, through the adapter, on every other node.
 *
 * ```ts
 * const pubsub = await PubSub.start({ name: "app" });
 * // in a process:
 * pubsub.subscribe("deployments");
 * pubsub.broadcastFrom(self(), "deployments", { event: "deploy", payload });
 * ```
 */
export class PubSub {
  /** The name given to `start`. */
  readonly name: string;
  private readonly node: string;
  private readonly registry: Registry;
  private readonly dispatcher: Dispatcher | null;
  private readonly logger: Logger;
  private readonly failures: RemoteFailures;
  private stopped = false;
  private droppedRemote = 0;
  private heartbeat: Heartbeat | null = null;
  private dist: TransportHost | null = null;
  private transport: NodeTransport | null = null;

  private constructor(
    opts: PubSubOptions,
    private readonly rt: Runtime,
    private readonly adapter: Adapter,
  ) {
    this.name = opts.name;
    this.node = opts.node ?? rt.node;
    this.dispatcher = opts.dispatcher ?? null;
    this.logger = opts.logger === undefined ? consoleLogger() : toLogger(opts.logger, "PubSub.start");
    this.failures = new RemoteFailures(this.name, this.node, this.logger, this.label());
    this.registry = new Registry(rt, (topic, present) => {
      try {
        this.adapter.topicChanged?.(topic, present);
      } catch (err) {
        // Runs inside a subscriber's exit: an adapter bug must not break the runtime's teardown.
        this.logger.log(
          "error",
          `${this.label()}: the ${this.adapter.kind} adapter failed on ${topic}: ${errorText(err)}`,
        );
      }
    });
  }

  /**
   * Starts a pubsub: `await PubSub.start({ name: "app" })` for one node, or with `adapter: redis({ url })` to
   * share topics with every node using the same name on that Redis. Rejects with `NodeNameTakenError` when a
   * live node of the cluster already has this node name, and with the adapter's error if it cannot connect.
   */
  static async start(opts: PubSubOptions): Promise<PubSub> {
    const adapter = checkStartOptions(opts);
    const rt = opts.runtime ?? runtime();
    const timing = distributionTiming(opts.distribution);
    if (timing !== null && opts.node !== undefined && opts.node !== rt.node) {
      throw new TypeError(
        `PubSub.start: with distribution, the node name must be the runtime's (${JSON.stringify(rt.node)}), got ${JSON.stringify(opts.node)}`,
      );
    }
    const ps = new PubSub(opts, rt, adapter);
    await adapter.start(ps.host());
    if (timing !== null) await ps.distribute(rt, timing);
    return ps;
  }

  private async distribute(rt: Runtime, timing: { periodMs: number; downAfterMs: number }): Promise<void> {
    const t = (this.transport = new NodeTransport(this.adapter));
    const dist = (this.dist = rt.distribute(t));
    this.startHeartbeat(timing, {
      up: (node, creation) => dist.nodeUp(node, creation),
      down: (node) => dist.nodeDown(node),
      counts: () => dist.sentCounts(),
      claimed: (node, count) => dist.claimed(node, count),
    });
    await this.adapter.sync?.();
  }

  /** Starts the node's one heartbeat (with distribution at start, or for the first rider). */
  private startHeartbeat(timing: { periodMs: number; downAfterMs: number }, sink: HeartbeatSink): Heartbeat {
    const h = new Heartbeat(
      this.node,
      this.rt.creation,
      this.adapter,
      this.rt.clock,
      timing,
      sink,
      this.logger,
    );
    this.heartbeat = h;
    this.adapter.topicChanged?.(HEARTBEAT_TOPIC, true);
    h.start();
    return h;
  }

  /**
   * @internal Carries `rider` in this node's heartbeat (one heartbeat per node: Presence rides it, and it
   * keeps the adapter's own liveness). Without `distribution` the first rider starts it, at `periodMs`.
   * Returns the heartbeat's period and what takes the rider off.
   */
  ride(key: string, rider: Rider, periodMs: number): { periodMs: number; off: () => void } {
    this.check("ride");
    const h =
      this.heartbeat ??
      this.startHeartbeat({ periodMs, downAfterMs: Math.max(5000, 2 * periodMs) }, QUIET_SINK);
    return { periodMs: h.periodMs, off: h.ride(key, rider) };
  }

  /** The other nodes that are up, as this node's heartbeat sees them (empty without `distribution`). */
  nodes(): string[] {
    return this.heartbeat?.nodes() ?? [];
  }

  private host(): AdapterHost {
    return {
      name: this.name,
      node: this.node,
      logger: this.logger,
      deliver: (topic, message, from) => {
        if (this.stopped) return;
        if (this.heartbeat !== null) {
          if (topic === FRAME_TOPIC) return this.dist?.receive(message);
          if (topic === HEARTBEAT_TOPIC) return this.heartbeat.receive(message);
        }
        // Whatever the adapter, what it hands over came from another node: a bad topic or pid is dropped.
        if (typeof topic !== "string" || topic === "" || (from !== null && !(from instanceof Pid))) {
          if (this.droppedRemote++ === 0) {
            this.logger.log(
              "error",
              `${this.label()}: the ${this.adapter.kind} adapter delivered a message with a bad topic or from pid; ` +
                "dropped (this and later ones are counted in stats().droppedRemote)",
            );
          }
          return;
        }
        try {
          this.registry.dispatch(topic, from, message, this.dispatcher);
        } catch (err) {
          // A custom dispatcher threw on a message from another node: nobody to throw to, so log it.
          this.logger.log(
            "error",
            `${this.label()}: the dispatcher threw on a message for ${topic}: ${errorText(err)}`,
          );
        }
      },
      topics: () => {
        const names = this.registry.topicNames();
        return this.heartbeat === null ? names : [...names, HEARTBEAT_TOPIC];
      },
    };
  }

  /** Subscribes the calling process to `topic`. Subscribing twice delivers every message twice. */
  subscribe(topic: string, opts?: SubscribeOptions): void;
  /** Subscribes `pid` to `topic` (a pid that is not alive is ignored). */
  subscribe(pid: Pid, topic: string, opts?: SubscribeOptions): void;
  subscribe(a: Pid | string, b?: string | SubscribeOptions, c?: SubscribeOptions): void {
    this.check("subscribe");
    const [pid, topic, opts] = a instanceof Pid ? [a, b, c] : [null, a, b as SubscribeOptions | undefined];
    assertTopic(topic, "subscribe");
    if (opts !== undefined && (typeof opts !== "object" || opts === null)) {
      throw new TypeError(`subscribe: options must be an object ({ metadata }), got ${describeValue(opts)}`);
    }
    this.registry.add(pid ?? this.caller("subscribe"), topic, opts?.metadata);
  }

  /** Removes every subscription of the calling process to `topic`. Without one, does nothing. */
  unsubscribe(topic: string): void;
  /** Removes every subscription of `pid` to `topic`. */
  unsubscribe(pid: Pid, topic: string): void;
  unsubscribe(a: Pid | string, b?: string): void {
    this.check("unsubscribe");
    const [pid, topic] = a instanceof Pid ? [a, b] : [null, a];
    assertTopic(topic, "unsubscribe");
    this.registry.remove(pid ?? this.caller("unsubscribe"), topic);
  }

  /** The topics with subscribers on this node, each with its number of local subscriptions. */
  topics(): { topic: string; subscribers: number }[] {
    return Array.from(this.registry.topicNames(), (topic) => ({
      topic,
      subscribers: this.registry.lookup(topic).length,
    }));
  }

  /** This node's subscriptions to `topic` (a copy; Phoenix's `Registry.lookup`). */
  subscribers(topic: string): Entry[] {
    assertTopic(topic, "subscribers");
    return this.registry.lookup(topic);
  }

  /**
   * Resolves once the subscriptions made so far are in effect for the other nodes (with Redis, once the
   * SUBSCRIBE is acknowledged). Local delivery needs no wait.
   */
  async sync(): Promise<void> {
    await this.adapter.sync?.();
  }

  /**
   * Sends `message` to every subscription of `topic` on every node. Local subscribers get it before this
   * returns; the promise tells whether the other nodes could be reached (it never rejects). Throws, before
   * anything is sent, for a bad topic or a message the adapter cannot carry (a `CodecError`).
   */
  broadcast(topic: string, message: unknown): Promise<BroadcastResult> {
    this.check("broadcast");
    assertTopic(topic, "broadcast");
    return this.publish(topic, message, null);
  }

  /** Like `broadcast`, but the subscriptions of `from` (usually `self()`) do not get it. */
  broadcastFrom(from: Pid, topic: string, message: unknown): Promise<BroadcastResult> {
    this.check("broadcastFrom");
    assertPidArg(from, "broadcastFrom");
    assertTopic(topic, "broadcastFrom");
    return this.publish(topic, message, from);
  }

  /** Like `broadcast`, but rejects with a `BroadcastError` when the other nodes could not be reached. */
  broadcastOrThrow(topic: string, message: unknown): Promise<void> {
    return this.broadcast(topic, message).then((r) => unwrap(r, "broadcastOrThrow", topic));
  }

  /** Like `broadcastFrom`, but rejects with a `BroadcastError` when the other nodes could not be reached. */
  broadcastFromOrThrow(from: Pid, topic: string, message: unknown): Promise<void> {
    return this.broadcastFrom(from, topic, message).then((r) => unwrap(r, "broadcastFromOrThrow", topic));
  }

  /** Sends `message` to the subscriptions of `topic` on this node only. */
  localBroadcast(topic: string, message: unknown): void {
    this.check("localBroadcast");
    assertTopic(topic, "localBroadcast");
    this.registry.dispatch(topic, null, message, this.dispatcher);
  }

  /** Like `localBroadcast`, but the subscriptions of `from` do not get it. */
  localBroadcastFrom(from: Pid, topic: string, message: unknown): void {
    this.check("localBroadcastFrom");
    assertPidArg(from, "localBroadcastFrom");
    assertTopic(topic, "localBroadcastFrom");
    this.registry.dispatch(topic, from, message, this.dispatcher);
  }

  /**
   * Sends `message` to the subscriptions of `topic` on `node` only. An unknown node gets nothing and is not an
   * error. For this node's own name it is a `localBroadcast` (no serialization, so it keeps FIFO with it).
   */
  directBroadcast(node: string, topic: string, message: unknown): Promise<BroadcastResult> {
    this.check("directBroadcast");
    if (typeof node !== "string" || node === "") {
      throw new TypeError(`directBroadcast: node must be a non-empty string, got ${describeValue(node)}`);
    }
    assertTopic(topic, "directBroadcast");
    if (node === this.node) {
      this.registry.dispatch(topic, null, message, this.dispatcher);
      return SENT;
    }
    return this.failures.settle(this.adapter.directBroadcast(node, topic, message, null), topic);
  }

  /** Like `directBroadcast`, but rejects with a `BroadcastError` when `node` could not be reached. */
  directBroadcastOrThrow(node: string, topic: string, message: unknown): Promise<void> {
    return this.directBroadcast(node, topic, message).then((r) => unwrap(r, "directBroadcastOrThrow", topic));
  }

  private publish(topic: string, message: unknown, from: Pid | null): Promise<BroadcastResult> {
    if (isTraced(channels.broadcast)) {
      const ctx = { pubsub: this.name, node: this.node, topic, from };
      return traceCall(channels.broadcast, ctx, () => this.deliver(topic, message, from));
    }
    return this.deliver(topic, message, from);
  }

  private deliver(topic: string, message: unknown, from: Pid | null): Promise<BroadcastResult> {
    // The adapter encodes first: a message it cannot carry throws here, before anyone got anything.
    const result = this.failures.settle(this.adapter.broadcast(topic, message, from), topic);
    this.registry.dispatch(topic, from, message, this.dispatcher);
    return result;
  }

  /** This node's name. */
  nodeName(): string {
    return this.node;
  }

  /** Counters: this node's topics, subscriptions and subscribed processes, remote failures, adapter counters. */
  stats(): PubSubStats {
    return {
      ...this.registry.counts(),
      remoteFailures: this.failures.count,
      droppedRemote: this.droppedRemote,
      adapter: this.adapter.stats?.() ?? {},
      ...(this.transport === null
        ? {}
        : { distribution: { framesFailed: this.transport.failed, beatsDropped: this.heartbeat!.dropped } }),
    };
  }

  /** Drops every subscription and disconnects the adapter. Later calls throw; stopping twice is fine. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.heartbeat?.stop();
    this.dist?.close();
    this.stopped = true;
    this.registry.clear();
    await this.adapter.stop();
  }

  private check(fn: string): void {
    if (this.stopped) throw new Error(`${fn}: pubsub ${JSON.stringify(this.name)} is stopped`);
  }

  private caller(fn: string): Pid {
    try {
      return self();
    } catch {
      throw new Error(
        `${fn}(topic) acts for the calling process, but it was not called from inside one; pass a pid: ${fn}(pid, topic)`,
      );
    }
  }

  private label(): string {
    return `pubsub ${JSON.stringify(this.name)} on ${JSON.stringify(this.node)}`;
  }
}

function assertPidArg(value: unknown, fn: string): asserts value is Pid {
  if (!(value instanceof Pid)) throw new TypeError(`${fn}: from must be a Pid, got ${describeValue(value)}`);
}

function unwrap(r: BroadcastResult, fn: string, topic: string): void {
  if (!r.ok) {
    throw new BroadcastError(
      `${fn}: ${topic}: the other nodes could not be reached: ${r.error.message}`,
      r.error,
    );
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
