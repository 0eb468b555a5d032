import type { Clock, Logger, SentCount } from "@cinder/actors";
import type { Adapter } from "./adapter.js";

/** Timing of a node's heartbeat; see `DistributionOptions`. */
export interface HeartbeatConfig {
  periodMs: number;
  downAfterMs: number;
}

/** What a heartbeat tells its owner. */
export interface HeartbeatSink {
  up(node: string, creation: number): void;
  down(node: string): void;
  /** What each beat carries besides the node: the frames sent to each node (see `TransportHost.claimed`). */
  counts(): Record<string, SentCount>;
  /** A beat from `node` said it has sent this incarnation of this node `count` frames. */
  claimed(node: string, count: number): void;
}

/**
 * Something that rides the node's heartbeat instead of beating on its own (a Presence replica): `tick` runs
 * once per period and returns what to carry in that beat; `hello` what to carry in a beat sent straight to a
 * node seen for the first time (no tick); `receive` gets what the same rider on another node carried.
 */
export interface Rider {
  tick(): unknown;
  hello(): unknown;
  receive(data: unknown): void;
}

/** The topic heartbeats travel on (dispatched to the heartbeat, never to subscribers). */
export const HEARTBEAT_TOPIC = "cinder:nodes";

type Beat = {
  v: 2;
  t: "hb" | "bye";
  node: string;
  creation: number;
  /** The frames sent to each node, with the incarnation of it they went to. */
  f?: Record<string, SentCount>;
  /** What the riders carry, by rider key. */
  p?: Record<string, unknown>;
};

const MAX_NAME = 256;

/**
 * One heartbeat per node: every period it broadcasts `{ node, creation }` on `HEARTBEAT_TOPIC`, keeps the
 * adapter's own liveness fresh (`Adapter.heartbeat`, the Redis adapter's claim on its node name) from the
 * same tick, and tells which other nodes are up. A node is down after `downAfterMs` without a beat from it,
 * when it says goodbye, or when a beat comes from a new incarnation (another `creation`). A node seen for
 * the first time gets a beat straight back, so two nodes know each other within one round trip.
 */
export class Heartbeat {
  private readonly peers = new Map<string, { creation: number; seen: number }>();
  private readonly riders = new Map<string, Rider>();
  private timer: unknown = null;
  private stopped = false;
  /** Beats from other nodes that failed validation, dropped. */
  dropped = 0;

  constructor(
    private readonly node: string,
    private readonly creation: number,
    private readonly adapter: Adapter,
    private readonly clock: Clock,
    private readonly cfg: HeartbeatConfig,
    private readonly sink: HeartbeatSink,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.beat(null);
    this.arm();
  }

  /** The heartbeat's period. */
  get periodMs(): number {
    return this.cfg.periodMs;
  }

  /** Carries `rider` in every beat under `key` from the next tick on; returns what takes it off. */
  ride(key: string, rider: Rider): () => void {
    if (this.riders.has(key))
      throw new Error(`heartbeat on ${this.node}: ${JSON.stringify(key)} already rides it`);
    this.riders.set(key, rider);
    return () => {
      if (this.riders.get(key) === rider) this.riders.delete(key);
    };
  }

  /** The other nodes that are up. */
  nodes(): string[] {
    return [...this.peers.keys()];
  }

  /** A beat from another node (unchecked input). */
  receive(m: unknown): void {
    if (this.stopped) return;
    const b = parseBeat(m, this.node);
    if (b === null) {
      if (this.dropped++ % 100 === 0) {
        this.logger.log(
          "warn",
          `heartbeat on ${this.node}: dropped a malformed beat (${this.dropped} so far)`,
        );
      }
      return;
    }
    if (b.node === this.node) return;
    const p = this.peers.get(b.node);
    if (b.t === "bye") {
      if (p !== undefined && p.creation === b.creation) this.lose(b.node);
      return;
    }
    if (p !== undefined && p.creation === b.creation) p.seen = this.clock.now();
    else {
      if (p !== undefined) this.lose(b.node);
      this.peers.set(b.node, { creation: b.creation, seen: this.clock.now() });
      this.beat(b.node);
      this.sink.up(b.node, b.creation);
    }
    // A count of frames sent to an earlier incarnation of this node is not about this one's link.
    const sent = b.f !== undefined && Object.hasOwn(b.f, this.node) ? b.f[this.node] : undefined;
    if (sent !== undefined && sent[0] === this.creation) this.sink.claimed(b.node, sent[1]);
    if (b.p !== undefined) {
      for (const [key, rider] of this.riders) {
        if (Object.hasOwn(b.p, key)) this.safely(key, () => rider.receive(b.p![key]));
      }
    }
  }

  private safely(key: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.log(
        "error",
        `heartbeat on ${this.node}: ${key} failed: ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  }

  /** Stops beating and says goodbye: the others take this node down at once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.send(null, { v: 2, t: "bye", node: this.node, creation: this.creation });
    for (const node of [...this.peers.keys()]) this.lose(node);
  }

  private arm(): void {
    const t = this.clock.setTimeout(this.tick, this.cfg.periodMs);
    (t as { unref?: () => void } | null)?.unref?.();
    this.timer = t;
  }

  private readonly tick = (): void => {
    if (this.stopped) return;
    this.arm();
    try {
      this.adapter.heartbeat?.();
    } catch (err) {
      this.logger.log(
        "error",
        `heartbeat on ${this.node}: the ${this.adapter.kind} adapter failed: ${String(err)}`,
      );
    }
    this.beat(null, true);
    const now = this.clock.now();
    for (const [node, p] of [...this.peers]) {
      if (now - p.seen > this.cfg.downAfterMs) {
        this.logger.log(
          "warn",
          `heartbeat on ${this.node}: ${node} is down (no beat for ${this.cfg.downAfterMs} ms)`,
        );
        this.lose(node);
      }
    }
  };

  private lose(node: string): void {
    if (this.peers.delete(node)) this.sink.down(node);
  }

  /** Sends a beat (to every node, or to one); `tick` when it is the period's beat (the riders tick). */
  private beat(to: string | null, tick = false): void {
    const b: Beat = { v: 2, t: "hb", node: this.node, creation: this.creation, f: this.sink.counts() };
    if (this.riders.size > 0) {
      const p: Record<string, unknown> = {};
      for (const [key, rider] of this.riders)
        this.safely(key, () => (p[key] = tick ? rider.tick() : rider.hello()));
      b.p = p;
    }
    this.send(to, b);
  }

  private send(to: string | null, b: Beat): void {
    try {
      const r =
        to === null
          ? this.adapter.broadcast(HEARTBEAT_TOPIC, b, null)
          : this.adapter.directBroadcast(to, HEARTBEAT_TOPIC, b, null);
      // An outage is the adapter's to report (and the others will see this node go quiet).
      r?.catch(() => {});
    } catch (err) {
      this.logger.log("error", `heartbeat on ${this.node}: could not send a beat: ${String(err)}`);
    }
  }
}

function parseBeat(m: unknown, node: string): Beat | null {
  if (typeof m !== "object" || m === null) return null;
  const b = m as Record<string, unknown>;
  if (b.v !== 2 || (b.t !== "hb" && b.t !== "bye")) return null;
  if (typeof b.node !== "string" || b.node === "" || b.node.length > MAX_NAME) return null;
  if (!Number.isSafeInteger(b.creation)) return null;
  if (b.f !== undefined) {
    if (typeof b.f !== "object" || b.f === null || Array.isArray(b.f)) return null;
    const counts = b.f as Record<string, unknown>;
    // Only this node's entry is ever read; it must be [creation, count] if there.
    const mine = Object.hasOwn(counts, node) ? counts[node] : undefined;
    if (mine !== undefined && !isSentCount(mine)) return null;
  }
  // What riders carry is theirs to check (a Presence replica parses its own messages).
  if (b.p !== undefined && (typeof b.p !== "object" || b.p === null || Array.isArray(b.p))) return null;
  return b as Beat;
}

function isSentCount(x: unknown): x is SentCount {
  return (
    Array.isArray(x) &&
    x.length === 2 &&
    Number.isSafeInteger(x[0]) &&
    Number.isSafeInteger(x[1]) &&
    (x[1] as number) >= 0
  );
}
