import {
  consoleLogger,
  describeValue,
  isTraced,
  type LogFunction,
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
import { local } from "./local.js";
import { FRAME_TOPIC, NodeTransport } from "./node_transport.js";
import { Registry } from "./registry.js";
import { assertTopic } from "./topic.js";

/** Options for `PubSub.start`. */
export interface PubSubOptions {
  /** Names the pubsub; nodes share topics only with pubsubs of the same name (the Redis channel prefix). */
  name: string;
  /** How broadcasts reach other nodes (default `local()`: this node only). */
  adapter?: Adapter;
  /** This node's name, unique in the cluster (default: the runtime's node name). */
  node?: string;
  /** The runtime whose node name is the default `node` (default: the caller's, or the default runtime). */
  runtime?: Runtime;
  /** Replaces the default delivery (skip `from`, `send` to each subscription). The same on every node. */
  dispatcher?: Dispatcher;
  /**
   * Where outages and recoveries are logged: a `Logger` (the one given to the runtime and the endpoint, say) or
   * a bare function (default: stderr, filtered by `LOG_LEVEL`).
   */
  logger?: Logger | LogFunction;
  /**
   * Connects the runtime to the other nodes through this pubsub's adapter: `send`, `call`, `cast`,
   * `monitor`, `link` and global names then reach processes on every node, and the node heartbeats (one
   * heartbeat per node, which also keeps the adapter's own liveness). `true` for the default timing. The
   * pubsub's node name must be the runtime's.
   */
  distribution?: boolean | DistributionOptions;
}

/** Timing of the node heartbeat (see `PubSubOptions.distribution`). */
export interface DistributionOptions {
  /** How often this node tells the others it is up (default 1000 ms). */
  heartbeatMs?: number;
  /**
   * How long without a heartbeat before a node is down (default 5000 ms): its monitors get `noconnection`,
   * calls to it reject, its global names are freed.
   */
  downAfterMs?: number;
}

/** Options for `subscribe`. */
export interface SubscribeOptions {
  /** Passed to a custom dispatcher with each delivery to this subscription. */
  metadata?: unknown;
}

/**
 * What a broadcast reports about the other nodes. Local subscribers get the message in both cases; `ok: false`
 * means the adapter could not hand it to the other nodes (the failure is also counted and logged).
 */
export type BroadcastResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** Counters from `PubSub.stats()`. */
export interface PubSubStats {
  /** Topics with at least one subscription on this node. */
  topics: number;
  /** Subscriptions on this node (duplicates count). */
  subscriptions: number;
  /** Processes with at least one subscription on this node. */
  processes: number;
  /** Broadcasts that could not be handed to the other nodes, since start. */
  remoteFailures: number;
  /** Messages an adapter delivered with a bad topic or `from` (an adapter bug), dropped. */
  droppedRemote: number;
  /** The adapter's own counters. */
  adapter: Record<string, number | boolean>;
  /** With `distribution`: frames the adapter could not hand over, and malformed heartbeats dropped. */
  distribution?: { framesFailed: number; beatsDropped: number };
}

const OK: BroadcastResult = Object.freeze({ ok: true });
/** What a heartbeat tells a pubsub without distribution: nothing it acts on. */
const QUIET_SINK: HeartbeatSink = { up() {}, down() {}, counts: () => ({}), claimed() {} };
const OK_PROMISE: Promise<BroadcastResult> = Promise.resolve(OK);

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
  private stopped = false;
  private failures = 0;
  private droppedRemote = 0;
  private heartbeat: Heartbeat | null = null;
  private dist: TransportHost | null = null;
  private transport: NodeTransport | null = null;
  /** Failures since the last broadcast that got through: > 0 means an outage is on (and was logged). */
  private streak = 0;

  private constructor(
    opts: PubSubOptions,
    private readonly rt: Runtime,
    private readonly adapter: Adapter,
  ) {
    this.name = opts.name;
    this.node = opts.node ?? rt.node;
    this.dispatcher = opts.dispatcher ?? null;
    this.logger = opts.logger === undefined ? consoleLogger() : toLogger(opts.logger, "PubSub.start");
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
    if (typeof opts !== "object" || opts === null) {
      throw new TypeError(
        `PubSub.start: expected options ({ name, adapter?, node? }), got ${describeValue(opts)}`,
      );
    }
    if (typeof opts.name !== "string" || opts.name === "") {
      throw new TypeError(`PubSub.start: name must be a non-empty string, got ${describeValue(opts.name)}`);
    }
    if (opts.node !== undefined && (typeof opts.node !== "string" || opts.node === "")) {
      throw new TypeError(`PubSub.start: node must be a non-empty string, got ${describeValue(opts.node)}`);
    }
    if (opts.dispatcher !== undefined && typeof opts.dispatcher !== "function") {
      throw new TypeError(
        `PubSub.start: dispatcher must be a function, got ${describeValue(opts.dispatcher)}`,
      );
    }
    const adapter = opts.adapter ?? local();
    if (typeof adapter !== "object" || adapter === null || typeof adapter.broadcast !== "function") {
      throw new TypeError(
        `PubSub.start: adapter must be an adapter (local(), redis()), got ${describeValue(adapter)}`,
      );
    }
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

  // -------------------------------------------------------------------------------------------------------------
  // Subscriptions

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

  // -------------------------------------------------------------------------------------------------------------
  // Broadcasting

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
      return OK_PROMISE;
    }
    return this.settle(this.adapter.directBroadcast(node, topic, message, null), topic);
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
    const result = this.settle(this.adapter.broadcast(topic, message, from), topic);
    this.registry.dispatch(topic, from, message, this.dispatcher);
    return result;
  }

  private settle(pending: Promise<unknown> | undefined, topic: string): Promise<BroadcastResult> {
    if (pending === undefined) {
      if (this.streak > 0) this.recovered();
      return OK_PROMISE;
    }
    return pending.then(this.onSent, (err) => this.onFailed(err, topic));
  }

  private readonly onSent = (): BroadcastResult => {
    if (this.streak > 0) this.recovered();
    return OK;
  };

  private onFailed(err: unknown, topic: string): BroadcastResult {
    const error = err instanceof Error ? err : new Error(String(err));
    this.failures++;
    // Once per outage: the first failure is logged, the rest only counted until a broadcast gets through.
    if (this.streak++ === 0) {
      this.logger.log(
        "warn",
        `${this.label()}: a broadcast could not reach the other nodes (${error.message}); local subscribers ` +
          "still get every message; further failures are counted in stats().remoteFailures until one gets through",
      );
    }
    if (channels.remoteFailure.hasSubscribers) {
      channels.remoteFailure.publish({ pubsub: this.name, node: this.node, topic, error });
    }
    return { ok: false, error };
  }

  private recovered(): void {
    this.logger.log(
      "info",
      `${this.label()}: broadcasts reach the other nodes again (${this.streak} failed meanwhile)`,
    );
    this.streak = 0;
  }

  // -------------------------------------------------------------------------------------------------------------
  // The rest

  /** This node's name. */
  nodeName(): string {
    return this.node;
  }

  /** Counters: this node's topics, subscriptions and subscribed processes, remote failures, adapter counters. */
  stats(): PubSubStats {
    return {
      ...this.registry.counts(),
      remoteFailures: this.failures,
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

function distributionTiming(
  d: PubSubOptions["distribution"],
): { periodMs: number; downAfterMs: number } | null {
  if (d === undefined || d === false) return null;
  if (d !== true && (typeof d !== "object" || d === null)) {
    throw new TypeError(
      `PubSub.start: distribution must be a boolean or { heartbeatMs, downAfterMs }, got ${describeValue(d)}`,
    );
  }
  const o = d === true ? {} : d;
  const periodMs = o.heartbeatMs ?? 1000;
  const downAfterMs = o.downAfterMs ?? 5000;
  for (const [k, v] of [
    ["heartbeatMs", periodMs],
    ["downAfterMs", downAfterMs],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new TypeError(
        `PubSub.start: distribution.${k} must be a positive number, got ${describeValue(v)}`,
      );
    }
  }
  if (downAfterMs < 2 * periodMs) {
    throw new RangeError(
      `PubSub.start: distribution.downAfterMs (${downAfterMs}) must be at least twice heartbeatMs (${periodMs}), or one late beat takes a live node down`,
    );
  }
  return { periodMs, downAfterMs };
}
