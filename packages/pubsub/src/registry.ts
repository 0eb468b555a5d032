import { type Pid, type Runtime, send, type Watch } from "@cinder/actors";
import type { Dispatcher, Entry } from "./dispatcher.js";

/** One subscription. Doubles as the dispatcher's entry, so dispatching allocates nothing. */
class Subscription implements Entry {
  constructor(
    readonly pid: Pid,
    readonly metadata: unknown,
    readonly topic: string,
    /** Position in its topic's arrays, so removal is O(1) (swap with the last). */
    public index: number,
  ) {}
}

/**
 * A topic's subscriptions as two parallel arrays: `pids` is what the default dispatch loop reads (one load per
 * delivery), `subs` carries metadata for custom dispatchers and for removal.
 */
class TopicSubs {
  pids: Pid[] = [];
  subs: Subscription[] = [];
  /** Dispatches currently iterating these arrays. */
  busy = 0;
  /** True when the arrays were copied after the running dispatches started, so they may be changed in place. */
  fresh = true;
}

/** The reverse index: everything one process is subscribed to, and the watch that cleans it up. */
class Subscriber {
  subs: Subscription[] = [];
  watch: Watch | null = null;
}

/**
 * Topic -> subscriptions, with a reverse index per pid. A process's subscriptions vanish when it exits: the
 * registry watches each subscribed process once (`Runtime.watch`, no mailbox involved) and drops its
 * entries from inside the exit. `onTopic(topic, true)` fires when a topic gets its first subscription,
 * `onTopic(topic, false)` when it loses its last (the Redis adapter refcounts its channel SUBSCRIBEs on it).
 */
export class Registry {
  private readonly topics = new Map<string, TopicSubs>();
  private readonly procs = new Map<Pid, Subscriber>();
  private count = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly onTopic: (topic: string, present: boolean) => void,
  ) {}

  /** Adds one subscription (duplicates allowed). A pid that is not alive is ignored: it would vanish at once. */
  add(pid: Pid, topic: string, metadata: unknown): void {
    let s = this.procs.get(pid);
    if (s === undefined) {
      const watch = this.rt.watch(pid, () => this.removeAll(pid));
      if (watch === null) return;
      s = new Subscriber();
      s.watch = watch;
      this.procs.set(pid, s);
    }
    let t = this.topics.get(topic);
    const first = t === undefined;
    if (t === undefined) {
      t = new TopicSubs();
      this.topics.set(topic, t);
    } else {
      own(t);
    }
    const sub = new Subscription(pid, metadata, topic, t.subs.length);
    t.subs.push(sub);
    t.pids.push(pid);
    // A process subscribes to a few topics: an exact-length array (push would reserve 17 slots).
    s.subs = s.subs.concat(sub);
    this.count++;
    if (first) this.onTopic(topic, true);
  }

  /** Removes every subscription of `pid` to `topic` (none is fine). */
  remove(pid: Pid, topic: string): void {
    const s = this.procs.get(pid);
    if (s === undefined) return;
    const subs = s.subs;
    let kept = 0;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      if (sub.topic === topic) this.detach(sub);
      else subs[kept++] = sub;
    }
    subs.length = kept;
    if (kept === 0) this.forget(pid, s);
  }

  /** Removes every subscription of `pid` (it exited, or the pubsub stops). */
  removeAll(pid: Pid): void {
    const s = this.procs.get(pid);
    if (s === undefined) return;
    for (const sub of s.subs) this.detach(sub);
    s.subs.length = 0;
    this.forget(pid, s);
  }

  private forget(pid: Pid, s: Subscriber): void {
    this.procs.delete(pid);
    if (s.watch !== null) this.rt.unwatch(s.watch);
    s.watch = null;
  }

  private detach(sub: Subscription): void {
    const t = this.topics.get(sub.topic)!;
    own(t);
    const last = t.subs.pop()!;
    const lastPid = t.pids.pop()!;
    if (last !== sub) {
      t.subs[sub.index] = last;
      t.pids[sub.index] = lastPid;
      last.index = sub.index;
    }
    this.count--;
    if (t.subs.length === 0) {
      this.topics.delete(sub.topic);
      this.onTopic(sub.topic, false);
    }
  }

  /**
   * Delivers `message` to `topic`'s subscriptions on this node, skipping `from`'s (when given). This is the hot
   * path: one `send` per subscription, no allocation. The arrays are copied on write while a dispatch runs (a
   * send can end a process synchronously, with a bounded mailbox set to "exit"), so a dispatch always walks a
   * stable snapshot.
   */
  dispatch(topic: string, from: Pid | null, message: unknown, dispatcher: Dispatcher | null): void {
    const t = this.topics.get(topic);
    if (t === undefined) return;
    t.busy++;
    t.fresh = false;
    try {
      if (dispatcher !== null) {
        dispatcher(t.subs, from, message);
        return;
      }
      const pids = t.pids;
      const n = pids.length;
      if (from === null) {
        for (let i = 0; i < n; i++) send(pids[i], message);
      } else {
        // Pids of live local processes are unique objects; the id/node/creation test also catches an equal
        // copy (a pid decoded from another node), and never a look-alike from another runtime.
        const id = from.id;
        for (let i = 0; i < n; i++) {
          const p = pids[i];
          if (p !== from && (p.id !== id || p.node !== from.node || p.creation !== from.creation))
            send(p, message);
        }
      }
    } finally {
      t.busy--;
    }
  }

  /** This node's subscriptions to `topic` (a copy). */
  lookup(topic: string): Entry[] {
    const t = this.topics.get(topic);
    return t === undefined ? [] : t.subs.map((s) => ({ pid: s.pid, metadata: s.metadata }));
  }

  /** Topics with at least one subscription on this node. */
  topicNames(): IterableIterator<string> {
    return this.topics.keys();
  }

  /** Counters: topics with subscribers, subscriptions, subscribed processes. */
  counts(): { topics: number; subscriptions: number; processes: number } {
    return { topics: this.topics.size, subscriptions: this.count, processes: this.procs.size };
  }

  /** Drops everything (the pubsub stops), without `onTopic` calls. */
  clear(): void {
    for (const s of this.procs.values()) if (s.watch !== null) this.rt.unwatch(s.watch);
    this.procs.clear();
    this.topics.clear();
    this.count = 0;
  }
}

/** Copy-on-write: a running dispatch keeps the arrays it started with; a change gets its own copies. */
function own(t: TopicSubs): void {
  if (t.busy > 0 && !t.fresh) {
    t.pids = t.pids.slice();
    t.subs = t.subs.slice();
    t.fresh = true;
  }
}
