import type { Pid } from "@cinder/actors";
import type { Logger } from "@cinder/liveview";
import { Presence, type PubSub } from "@cinder/pubsub";
import { VIEWERS_TOPIC } from "./cluster_messages.js";
import { ViewerCounter } from "./viewer_counter.js";

/**
 * The views' presence: each connected view is tracked on `VIEWERS_TOPIC` under its own key, with its node in
 * the meta. Presence replicates the list to every node and drops the viewers of a node that stopped answering.
 * One `ViewerCounter` per node counts them (by node, from the metas) and tells the node's views.
 */
export interface NodeViewers {
  readonly presence: Presence;
  readonly counter: ViewerCounter;
}

const viewers = new WeakMap<PubSub, NodeViewers>();

/** How long a node may be silent before its viewers leave the count (as the demo's old count did). */
const DOWN_MS = 5000;

/**
 * The Presence and the counter of `pubsub` (one pair per PubSub: a new one after the PubSub restarts), started
 * on first use. `reject` drops what fails the counter's guard.
 */
export function nodeViewers(
  pubsub: PubSub,
  logger: Logger,
  reject: (what: string, why: string) => void,
): NodeViewers {
  let v = viewers.get(pubsub);
  if (v === undefined) {
    const presence = Presence.start({ pubsub, name: "deploy-demo-viewers", downPeriodMs: DOWN_MS, logger });
    v = { presence, counter: ViewerCounter.start({ pubsub, presence, reject }) };
    viewers.set(pubsub, v);
  }
  return v;
}

/** Stops the Presence and the counter of `pubsub`, if it has them (before the PubSub itself stops). */
export function stopNodeViewers(pubsub: PubSub): void {
  const v = viewers.get(pubsub);
  v?.counter.stop();
  v?.presence.stop();
  viewers.delete(pubsub);
}

/** Tracks a view (a live process of this node) as a viewer of `node`; it leaves when the view exits. */
export function trackViewer(presence: Presence, view: Pid, node: string): void {
  presence.track(view, VIEWERS_TOPIC, String(view), { node });
}
