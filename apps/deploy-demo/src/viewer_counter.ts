import { type Pid, type Runtime, runtime, self, sendAfter } from "@cinder/actors";
import type { Presence, PubSub } from "@cinder/pubsub";
import { nowMs } from "./clock.js";
import {
  broadcastProblem,
  isName,
  isViewersDiff,
  MAX_COUNT_NODES,
  VIEWER_COUNT_TOPIC,
  VIEWERS_TOPIC,
  type ViewerCount,
} from "./cluster_messages.js";

/** Options for `ViewerCounter.start`. */
export interface ViewerCounterOptions {
  /** The node's PubSub: the counter follows `VIEWERS_TOPIC` and tells `VIEWER_COUNT_TOPIC` through it. */
  pubsub: PubSub;
  /** The views' Presence on that PubSub, counted from its list. */
  presence: Presence;
  /** Drops a message that failed its guard (counted and logged, as the views and the tracker do). */
  reject(what: string, why: string): void;
  /** At most one recount per this many ms (default 1000). */
  periodMs?: number;
  /** The runtime of the counter's process (default: the caller's, or the default one). */
  runtime?: Runtime;
}

/** Marks the counter's timer: a symbol, which nothing decoded from Redis can hold. */
const TICK: unique symbol = Symbol("deploy-demo viewer counter tick");

interface CounterState {
  /** A period is running: diffs arriving now wait for its end. */
  armed: boolean;
  /** A diff arrived during the period: recount at its end. */
  dirty: boolean;
}

/**
 * The node's viewer counter, a process beside the views' Presence and the only subscriber of its topic. Were
 * each view to subscribe and recount, every join would cost a recount of the whole list in every view: O(N^2)
 * per join, and a ramp of N joins would saturate the node. Here a diff costs one recount at most once a period
 * (leading and trailing: a lone join shows at once, a storm of joins costs one recount per period, and the last
 * change of a storm is counted at the period's end). A changed count goes to the node's views as one
 * `localBroadcast` of `count` on `VIEWER_COUNT_TOPIC`, and `count` has the latest for a mounting view.
 */
export class ViewerCounter {
  /** The counter's process (ends with `stop`). */
  readonly pid: Pid;
  readonly #rt: Runtime;
  #count: ViewerCount;

  private constructor(opts: ViewerCounterOptions) {
    const { pubsub, presence, reject } = opts;
    const periodMs = opts.periodMs ?? 1000;
    this.#rt = opts.runtime ?? runtime();
    this.#count = countViewers(presence);
    const recount = (): CounterState => {
      const c = countViewers(presence);
      if (!sameCount(c, this.#count)) {
        this.#count = c;
        pubsub.localBroadcast(VIEWER_COUNT_TOPIC, { topic: VIEWER_COUNT_TOPIC, event: "count", payload: c });
      }
      sendAfter(self(), TICK, periodMs);
      return { armed: true, dirty: false };
    };
    this.pid = this.#rt.spawn({
      label: "ViewerCounter",
      init: (): CounterState => {
        pubsub.subscribe(self(), VIEWERS_TOPIC);
        return { armed: false, dirty: false };
      },
      handleInfo: (msg: unknown, st: CounterState): CounterState => {
        if (msg === TICK) return st.dirty ? recount() : { armed: false, dirty: false };
        // Diffs come from this node's Presence, but anyone who can PUBLISH to Redis can send on its topic.
        const problem = broadcastProblem(msg, nowMs());
        if (problem !== null) {
          reject(problem.what, problem.why);
          return st;
        }
        if (!isViewersDiff(msg)) return st;
        return st.armed ? { armed: true, dirty: true } : recount();
      },
    });
  }

  /** Starts the counter's process, subscribed to `VIEWERS_TOPIC`. */
  static start(opts: ViewerCounterOptions): ViewerCounter {
    return new ViewerCounter(opts);
  }

  /** The latest count (O(1): what the counter last counted, at most a period behind the list). */
  get count(): ViewerCount {
    return this.#count;
  }

  /** Ends the counter's process. Stopping twice is fine. */
  stop(): void {
    this.#rt.exit(this.pid, "shutdown");
  }
}

/**
 * The cluster's viewers, by node, from the presence list (O(N log N): the counter's work, once a period).
 * Another node's metas are its to write: a node name that is not a short string, or beyond the first
 * `MAX_COUNT_NODES - 1` nodes, is counted as `?`, so that the count stays one the views' guard accepts.
 */
export function countViewers(presence: Presence): ViewerCount {
  // No prototype: a node may be named `__proto__`.
  const byNode: Record<string, number> = Object.create(null);
  let nodes = 0;
  let total = 0;
  for (const entry of Object.values(presence.list(VIEWERS_TOPIC))) {
    for (const meta of entry.metas) {
      let node = isName(meta.node) && meta.node !== "?" ? meta.node : "?";
      if (!Object.hasOwn(byNode, node)) {
        if (node !== "?" && nodes >= MAX_COUNT_NODES - 1) node = "?";
        if (node !== "?") nodes++;
      }
      byNode[node] = (byNode[node] ?? 0) + 1;
      total++;
    }
  }
  return { total, byNode };
}

function sameCount(a: ViewerCount, b: ViewerCount): boolean {
  if (a.total !== b.total) return false;
  const an = Object.keys(a.byNode);
  if (an.length !== Object.keys(b.byNode).length) return false;
  return an.every((n) => a.byNode[n] === b.byNode[n]);
}
