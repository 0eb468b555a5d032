import type { Logger, Pid } from "@cinder/actors";

/**
 * What a `PubSub` gives its adapter: who this node is, and how to deliver a message that came from another
 * node to this node's subscribers.
 */
export interface AdapterHost {
  /** The pubsub's name: adapters use it to keep clusters of different pubsubs apart. */
  readonly name: string;
  /** This node's name, unique in the cluster. */
  readonly node: string;
  /** Where the adapter logs outages and refused messages (the pubsub's logger). */
  readonly logger: Logger;
  /** Dispatches a message from another node to this node's subscribers of `topic`. */
  deliver(topic: string, message: unknown, from: Pid | null): void;
  /** The topics that have subscribers on this node now (to resubscribe after a reconnect). */
  topics(): Iterable<string>;
}

/**
 * How a `PubSub` reaches other nodes. The pubsub owns the local subscriptions and local delivery; an adapter
 * only carries broadcasts between nodes. Every adapter must pass the shared conformance suite
 * (`packages/pubsub/test/conformance.ts`).
 *
 * `broadcast` and `directBroadcast` must check the message synchronously (throwing, before any I/O, if it
 * cannot be carried) and return nothing (done) or a promise that settles when the message was handed to the
 * transport, rejecting if it was not. They must never deliver to this node: the pubsub does that itself.
 */
export interface Adapter {
  /** A short name for logs and stats (`"local"`, `"redis"`). */
  readonly kind: string;
  /** Connects; rejects if the node cannot join (a taken node name, an unreachable server). Called once. */
  start(host: AdapterHost): Promise<void> | void;
  /** Sends to every other node of the cluster. */
  broadcast(topic: string, message: unknown, from: Pid | null): Promise<unknown> | undefined;
  /** Sends to `node` only (never called with this node's own name). An unknown node is not an error. */
  directBroadcast(
    node: string,
    topic: string,
    message: unknown,
    from: Pid | null,
  ): Promise<unknown> | undefined;
  /** `topic` got its first subscriber on this node (`present`), or lost its last one. */
  topicChanged?(topic: string, present: boolean): void;
  /** Resolves once every `topicChanged` so far is in effect for the other nodes. */
  sync?(): Promise<void>;
  /**
   * True when messages cross to other nodes as bytes, through the adapter's codec (which then throws before
   * sending what it cannot carry). When false, distribution frames are copied through `jsonCodec` first.
   */
  readonly serializes?: boolean;
  /**
   * Called on every tick of the node's heartbeat (when the pubsub runs one, see `DistributionOptions`), so an
   * adapter that keeps its own liveness (a claim on its node name) needs no timer of its own.
   */
  heartbeat?(): void;
  /** Adapter counters for `PubSub.stats()`. */
  stats?(): Record<string, number | boolean>;
  /** Disconnects. Called once. */
  stop(): Promise<void> | void;
}
