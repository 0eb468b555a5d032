import type { Pid } from "@cinder/actors";
import type { Logger } from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import type { SupervisedObject } from "./supervised_object.js";
import { type NodeViewers, nodeViewers } from "./viewers.js";

/** How the deploy processes reach the topic: the endpoint's broadcast functions, as in the article. */
export interface Bus {
  readonly node: string;
  subscribe(pid: Pid, topic: string): void;
  broadcast(topic: string, event: string, payload: unknown): void;
  broadcastFrom(from: Pid, topic: string, event: string, payload: unknown): void;
  directBroadcast(node: string, topic: string, event: string, payload: unknown): void;
  localBroadcast(topic: string, event: string, payload: unknown): void;
  log(message: string): void;
  /** The views' Presence and the node's viewer counter (see viewers.ts), or null while the PubSub restarts. */
  viewers(): NodeViewers | null;
  /** Drops a message that failed its guard: counted (the node's `/stats.json`) and logged once a minute per kind. */
  reject(what: string, why: string): void;
}

/** What a node's bus is made of. */
export interface PubSubBusOptions {
  node: string;
  /** The node's PubSub, across its restarts. */
  pubsubs: SupervisedObject<PubSub>;
  logger: Logger;
  /** Told of every `broadcast` and `broadcastFrom` as it is made (the node's step marks, for a load generator). */
  onBroadcast(topic: string, event: string): void;
  reject(what: string, why: string): void;
}

/**
 * The bus of a node: the endpoint's broadcast functions, as the article's view calls
 * `MyAppWeb.Endpoint.broadcast_from`, each sending a `{ topic, event, payload }` (what `endpoint.broadcast`
 * sends). They go through whichever PubSub is current rather than through an endpoint, so that the tracker and
 * the runner outlive a restart of the endpoint.
 */
export function pubsubBus(opts: PubSubBusOptions): Bus {
  const { node, pubsubs, logger, onBroadcast } = opts;
  // While the PubSub's owner restarts there is none: a broadcast then is lost (and logged), as one is when
  // Redis is down; a view subscribing then crashes, and its client rejoins once the app is back.
  const pubsub = (what: string): PubSub | null => {
    const ps = pubsubs.current;
    if (ps === null) logger.log("warn", `${what} dropped: the PubSub is restarting`);
    return ps;
  };
  const message = (topic: string, event: string, payload: unknown) => ({ topic, event, payload });
  return {
    node,
    subscribe: (pid, topic) => {
      const ps = pubsubs.current;
      if (ps === null) throw new Error(`cannot subscribe to ${topic}: the PubSub is restarting`);
      ps.subscribe(pid, topic);
    },
    broadcast: (topic, event, payload) => {
      onBroadcast(topic, event);
      void pubsub(`broadcast ${topic} ${event}`)?.broadcast(topic, message(topic, event, payload));
    },
    broadcastFrom: (from, topic, event, payload) => {
      onBroadcast(topic, event);
      void pubsub(`broadcast ${topic} ${event}`)?.broadcastFrom(from, topic, message(topic, event, payload));
    },
    directBroadcast: (node, topic, event, payload) =>
      void pubsub(`broadcast ${topic} ${event}`)?.directBroadcast(
        node,
        topic,
        message(topic, event, payload),
      ),
    localBroadcast: (topic, event, payload) =>
      pubsub(`broadcast ${topic} ${event}`)?.localBroadcast(topic, message(topic, event, payload)),
    log: (line) => logger.log("info", line),
    viewers: () => {
      const ps = pubsubs.current;
      return ps === null ? null : nodeViewers(ps, logger, opts.reject);
    },
    reject: opts.reject,
  };
}
