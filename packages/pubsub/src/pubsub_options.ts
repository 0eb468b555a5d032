/** What `PubSub.start` takes, what a PubSub reports, and the checks of the options. */
import { describeValue, type LogFunction, type Logger, type Runtime } from "@cinder/actors";
import type { Adapter } from "./adapter.js";
import type { Dispatcher } from "./dispatcher.js";
import { local } from "./local.js";

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

/** Checks `opts` before anything starts; returns the adapter to use (`local()` by default). */
export function checkStartOptions(opts: PubSubOptions): Adapter {
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
    throw new TypeError(`PubSub.start: dispatcher must be a function, got ${describeValue(opts.dispatcher)}`);
  }
  const adapter = opts.adapter ?? local();
  if (typeof adapter !== "object" || adapter === null || typeof adapter.broadcast !== "function") {
    throw new TypeError(
      `PubSub.start: adapter must be an adapter (local(), redis()), got ${describeValue(adapter)}`,
    );
  }
  return adapter;
}

/** The heartbeat's timing from the `distribution` option, or null without distribution. */
export function distributionTiming(
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
