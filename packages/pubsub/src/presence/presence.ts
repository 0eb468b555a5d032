import {
  consoleLogger,
  describeValue,
  isAlive,
  type LogFunction,
  type Logger,
  Pid,
  type Runtime,
  runtime,
  send,
  toLogger,
} from "@cinder/actors";
import { jsonCodec } from "../codec.js";
import { PubSub } from "../pubsub.js";
import { assertTopic } from "../topic.js";
import { DiffBatch } from "./batch.js";
import type { Entry, Meta } from "./state.js";
import { Tracker, type TrackerStats } from "./tracker.js";

/** A presence's metadata as listed: the tracked fields, `phx_ref`, and `phx_ref_prev` after an update. */
export type PresenceMeta = Meta & { readonly phx_ref_prev?: string };

/** Everything known of one key in a topic: one meta per tracked process (plus whatever `fetch` adds). */
export interface PresenceEntry {
  metas: PresenceMeta[];
  [extra: string]: unknown;
}

/** Presences by key, as `list` returns them and as `presence_diff` carries them (a null-prototype object). */
export type Presences = Record<string, PresenceEntry>;

/** The message every subscriber of a topic gets when presences in it change (Phoenix's `Broadcast`). */
export interface PresenceDiff {
  topic: string;
  event: "presence_diff";
  payload: { joins: Presences; leaves: Presences };
}

/** What `track` and `update` report. */
export type TrackResult =
  | { readonly ok: true; readonly ref: string }
  | { readonly ok: false; readonly reason: "already_tracked" | "noproc" | "nopresence" };

/** Options for `Presence.start`. */
export interface PresenceOptions {
  /** The pubsub whose nodes share the presences (any adapter). */
  pubsub: PubSub;
  /** Names the presence set; nodes share presences only within the same name. */
  name: string;
  /** The runtime of the tracked processes and of the tracker (default: the caller's, or the default one). */
  runtime?: Runtime;
  /** How often each node heartbeats its clock and changes (default 1500 ms). */
  broadcastPeriodMs?: number;
  /** A node not heard for this long is down: its presences leave (default 30 s). */
  downPeriodMs?: number;
  /** A node not heard for this long is forgotten, and starts afresh if it returns (default 20 min). */
  permdownPeriodMs?: number;
  /** Enriches presences before `list`, `get` and each diff (Phoenix's `fetch/2`); synchronous. */
  fetch?: (topic: string, presences: Presences) => Presences;
  /** Most presences in one transfer chunk or one delta (default 500). */
  maxChunkItems?: number;
  /** About the most bytes of metadata (as JSON) in one transfer chunk (default 256 KiB). */
  maxChunkBytes?: number;
  /** Most chunks in one transfer (default 10,000: 5 million presences at the default chunk size). */
  maxTransferChunks?: number;
  /** Where down nodes and dropped messages are logged (default: stderr, filtered by `LOG_LEVEL`). */
  logger?: Logger | LogFunction;
}

const FLUSH = Symbol("presence flush");

/**
 * Phoenix.Presence: which processes are present in a topic, under which key, with which metadata, on every
 * node of a pubsub. Each node replicates the set (a delta-state CRDT heartbeated over the pubsub), and the
 * subscribers of a topic get a `presence_diff` whenever presences in it join or leave.
 *
 * ```ts
 * const presence = Presence.start({ pubsub, name: "app" });
 * presence.track(self(), "room:lobby", userId, { online_at: Date.now() });
 * presence.list("room:lobby"); // { [userId]: { metas: [{ online_at, phx_ref }] } }
 * ```
 */
export class Presence {
  /** The name given to `start`. */
  readonly name: string;
  private readonly tracker: Tracker;
  private readonly pubsub: PubSub;
  private readonly fetcher: PresenceOptions["fetch"];
  private readonly batch = new DiffBatch();
  private readonly logger: Logger;
  private pid: Pid | null = null;
  private flushing = false;
  private stopped = false;

  private constructor(opts: PresenceOptions) {
    this.name = opts.name;
    this.pubsub = opts.pubsub;
    this.fetcher = opts.fetch;
    const period = positive(opts.broadcastPeriodMs, 1500, "broadcastPeriodMs");
    const down = positive(opts.downPeriodMs, 30_000, "downPeriodMs");
    const permdown = positive(opts.permdownPeriodMs, 20 * 60_000, "permdownPeriodMs");
    if (down < period || permdown < down) {
      throw new RangeError(
        "Presence.start: expected broadcastPeriodMs <= downPeriodMs <= permdownPeriodMs, got " +
          `${period}, ${down}, ${permdown}`,
      );
    }
    const cfg = {
      broadcastPeriodMs: period,
      downPeriodMs: down,
      permdownPeriodMs: permdown,
      maxChunkItems: positive(opts.maxChunkItems, 500, "maxChunkItems"),
      maxChunkBytes: positive(opts.maxChunkBytes, 256 * 1024, "maxChunkBytes"),
      maxTransferChunks: positive(opts.maxTransferChunks, 10_000, "maxTransferChunks"),
    };
    const log = (this.logger =
      opts.logger === undefined ? consoleLogger() : toLogger(opts.logger, "Presence.start"));
    this.tracker = new Tracker(opts.runtime ?? runtime(), opts.pubsub, opts.name, cfg, log, (j, l) =>
      this.changed(j, l),
    );
  }

  /** Starts this node's replica of the presence set `name` on `pubsub`. */
  static start(opts: PresenceOptions): Presence {
    if (typeof opts !== "object" || opts === null) {
      throw new TypeError(`Presence.start: expected options ({ pubsub, name }), got ${describeValue(opts)}`);
    }
    if (!(opts.pubsub instanceof PubSub)) {
      throw new TypeError(`Presence.start: pubsub must be a PubSub, got ${describeValue(opts.pubsub)}`);
    }
    if (typeof opts.name !== "string" || opts.name === "") {
      throw new TypeError(`Presence.start: name must be a non-empty string, got ${describeValue(opts.name)}`);
    }
    if (opts.fetch !== undefined && typeof opts.fetch !== "function") {
      throw new TypeError(`Presence.start: fetch must be a function, got ${describeValue(opts.fetch)}`);
    }
    const p = new Presence(opts);
    p.pid = p.tracker.start((msg) => (msg === FLUSH ? p.flush() : p.tracker.receive(msg)));
    return p;
  }

  /**
   * Tracks `pid` (a live process of this node) in `topic` under `key` with `meta`, until it exits or is
   * untracked. `{ ok: false, reason: "already_tracked" }` if (pid, topic, key) is tracked already.
   */
  track(pid: Pid, topic: string, key: string, meta: Record<string, unknown> = {}): TrackResult {
    this.check("track", pid, topic, key);
    checkMeta(meta, "track");
    // A pid of another node is never alive here: each node tracks its own processes.
    if (!isAlive(pid)) return { ok: false, reason: "noproc" };
    const e = this.tracker.owned.track(pid, topic, key, meta);
    if (typeof e === "string") return { ok: false, reason: e };
    this.changed([e], []);
    return { ok: true, ref: e.meta.phx_ref };
  }

  /** Stops tracking `pid` in `topic` under `key`; without `topic`, everywhere. Untracking nothing is fine. */
  untrack(pid: Pid, topic?: string, key?: string): void {
    if (topic === undefined) {
      this.checkPid("untrack", pid);
      this.changed([], this.tracker.owned.untrack(pid));
      return;
    }
    this.check("untrack", pid, topic, key ?? "");
    this.changed([], this.tracker.owned.untrack(pid, topic, key));
  }

  /**
   * Replaces the meta of `pid`'s presence in `topic` under `key` (with `meta`, or `fn(oldMeta)`): a new
   * `phx_ref`, `phx_ref_prev` set to the old one, reported as a join of the new meta and a leave of the old.
   */
  update(
    pid: Pid,
    topic: string,
    key: string,
    meta: Record<string, unknown> | ((old: PresenceMeta) => Record<string, unknown>),
  ): TrackResult {
    this.check("update", pid, topic, key);
    const old = this.tracker.owned.find(pid, topic, key);
    if (old === undefined) return { ok: false, reason: "nopresence" };
    const next = typeof meta === "function" ? meta(old.meta) : meta;
    checkMeta(next, "update");
    const [gone] = this.tracker.owned.untrack(pid, topic, key);
    const e = this.tracker.owned.track(pid, topic, key, next, old.meta.phx_ref);
    if (typeof e === "string") {
      this.changed([], [gone]);
      return { ok: false, reason: e };
    }
    this.changed([e], [gone]);
    return { ok: true, ref: e.meta.phx_ref };
  }

  /** The presences in `topic` on every node that is up, by key, passed through `fetch`. */
  list(topic: string): Presences {
    assertTopic(topic, "list");
    return this.present(topic, this.tracker.inTopic(topic));
  }

  /** The presence of `key` in `topic`, or undefined. */
  get(topic: string, key: string): PresenceEntry | undefined {
    assertTopic(topic, "get");
    if (typeof key !== "string") throw new TypeError(`get: key must be a string, got ${describeValue(key)}`);
    const mine = this.tracker.inTopic(topic).filter((e) => e.key === key);
    return mine.length === 0 ? undefined : this.present(topic, mine)[key];
  }

  /** Counters: presences visible here, replicas up and down, deltas, transfers, dropped messages. */
  stats(): TrackerStats {
    return this.tracker.stats();
  }

  /** This node's replica id (the node name and a random incarnation), as other nodes see it. */
  replica(): { node: string; id: string } {
    return { node: this.tracker.node, id: this.tracker.id };
  }

  /** Stops this replica: the other nodes drop its presences at once. Stopping twice is fine. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.tracker.stop();
  }

  private changed(joins: readonly Entry[], leaves: readonly Entry[]): void {
    if (joins.length === 0 && leaves.length === 0) return;
    this.batch.add(joins, leaves);
    // One flush per tick: every change made before the tracker's process runs again goes in one diff.
    if (!this.flushing && this.pid !== null) {
      this.flushing = true;
      send(this.pid, FLUSH);
    }
  }

  private flush(): void {
    this.flushing = false;
    if (this.stopped) return;
    for (const [topic, d] of this.batch.take()) {
      try {
        const msg: PresenceDiff = {
          topic,
          event: "presence_diff",
          payload: { joins: this.present(topic, d.joins), leaves: this.present(topic, d.leaves) },
        };
        this.pubsub.localBroadcast(topic, msg);
      } catch (err) {
        // A throwing `fetch` loses this topic's diff, not the other topics'.
        this.logger.log(
          "error",
          `presence ${JSON.stringify(this.name)}: no presence_diff for ${topic}: ${String(err)}`,
        );
      }
    }
  }

  private present(topic: string, entries: readonly Entry[]): Presences {
    const out: Presences = Object.create(null);
    // The same order on every node: by replica, then clock.
    const sorted = [...entries].sort((a, b) =>
      a.replica === b.replica ? a.clock - b.clock : a.replica < b.replica ? -1 : 1,
    );
    for (const e of sorted) (out[e.key] ??= { metas: [] }).metas.push(e.meta);
    if (this.fetcher === undefined || sorted.length === 0) return out;
    const fetched = this.fetcher(topic, out);
    if (typeof fetched !== "object" || fetched === null) {
      throw new TypeError(`presence fetch: expected presences by key, got ${describeValue(fetched)}`);
    }
    return fetched;
  }

  private check(fn: string, pid: Pid, topic: string, key: unknown): void {
    this.checkPid(fn, pid);
    assertTopic(topic, fn);
    if (typeof key !== "string")
      throw new TypeError(`${fn}: key must be a string, got ${describeValue(key)}`);
  }

  private checkPid(fn: string, pid: Pid): void {
    if (this.stopped) throw new Error(`${fn}: presence ${JSON.stringify(this.name)} is stopped`);
    if (!(pid instanceof Pid)) throw new TypeError(`${fn}: expected a Pid, got ${describeValue(pid)}`);
  }
}

function checkMeta(meta: unknown, fn: string): void {
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new TypeError(`${fn}: meta must be a plain object, got ${describeValue(meta)}`);
  }
  // It crosses to the other nodes with every transfer: what the codec cannot carry fails here, at the caller.
  jsonCodec.encode(meta);
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new TypeError(`Presence.start: ${name} must be a positive number, got ${describeValue(v)}`);
  }
  return v;
}
