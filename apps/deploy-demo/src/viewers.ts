import type { Pid } from "@cinder/actors";
import type { Logger } from "@cinder/liveview";
import { Presence, type PubSub } from "@cinder/pubsub";
import { VIEWERS_TOPIC, type ViewerCount } from "./cluster_messages.js";

/**
 * The views' presence: each connected view is tracked on `VIEWERS_TOPIC` under its own key, with its node in
 * the meta, and every view counts the cluster's viewers from the list (by node from the metas). Presence
 * replicates the list to every node and drops the viewers of a node that stopped answering.
 */
const presences = new WeakMap<PubSub, Presence>();

/** How long a node may be silent before its viewers leave the count (as the demo's old count did). */
const DOWN_MS = 5000;

/** The Presence of `pubsub` (one per PubSub: a new one after the PubSub restarts), started on first use. */
export function viewersPresence(pubsub: PubSub, logger: Logger): Presence {
  let p = presences.get(pubsub);
  if (p === undefined) {
    p = Presence.start({ pubsub, name: "deploy-demo-viewers", downPeriodMs: DOWN_MS, logger });
    presences.set(pubsub, p);
  }
  return p;
}

/** Stops the Presence of `pubsub`, if it has one (before the PubSub itself stops). */
export function stopViewersPresence(pubsub: PubSub): void {
  presences.get(pubsub)?.stop();
  presences.delete(pubsub);
}

/** Tracks a view (a live process of this node) as a viewer of `node`; it leaves when the view exits. */
export function trackViewer(presence: Presence, view: Pid, node: string): void {
  presence.track(view, VIEWERS_TOPIC, String(view), { node });
}

/** The cluster's viewers, by node, from the presence list. */
export function countViewers(presence: Presence): ViewerCount {
  const byNode: Record<string, number> = {};
  let total = 0;
  for (const entry of Object.values(presence.list(VIEWERS_TOPIC))) {
    for (const meta of entry.metas) {
      const node = typeof meta.node === "string" ? meta.node : "?";
      byNode[node] = (byNode[node] ?? 0) + 1;
      total++;
    }
  }
  return { total, byNode };
}
