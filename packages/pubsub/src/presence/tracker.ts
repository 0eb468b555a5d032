import { randomBytes } from "node:crypto";
import type { Logger, Pid, Runtime } from "@cinder/actors";
import type { PubSub } from "../pubsub.js";
import { Owned } from "./owned.js";
import { type Entry, type Item, PresenceState } from "./state.js";
import { chunk, parseWire, type Wire } from "./wire.js";

/** Timing and limits of a tracker; see `PresenceOptions`. */
export interface TrackerConfig {
  broadcastPeriodMs: number;
  downPeriodMs: number;
  permdownPeriodMs: number;
  maxChunkItems: number;
  maxChunkBytes: number;
  maxTransferChunks: number;
}

/** Counters of one tracker. */
export interface TrackerStats {
  /** Presences visible here (this node's and those of replicas that are up). */
  presences: number;
  /** Other replicas heard from, by status. */
  replicasUp: number;
  replicasDown: number;
  /** Messages from other nodes that failed validation and were dropped. */
  dropped: number;
  /** Deltas merged, and deltas that did not join up (a transfer was asked for instead). */
  deltas: number;
  gaps: number;
  /** Full transfers asked for, sent, and merged. */
  transfersRequested: number;
  transfersSent: number;
  transfersMerged: number;
  /** Messages that could not be sent (a codec error). */
  sendErrors: number;
}

interface Peer {
  readonly node: string;
  readonly id: string;
  up: boolean;
  /** Ticks since its last heartbeat. */
  silent: number;
  /** The tick a transfer was last asked for or last made progress, or -1. */
  asked: number;
  /** The tick a transfer was last sent to it, or -1 (one per tick at most). */
  served: number;
  /** A transfer being received. */
  asm: { c: number; n: number; chunks: Map<number, Item[]> } | null;
}

/** What a tracker reports to its owner: presences that became visible here, and ones that stopped being. */
export type ChangeSink = (joins: readonly Entry[], leaves: readonly Entry[]) => void;

/**
 * One node's replica of a presence set (Phoenix.Tracker's shard): owns this node's presences, watches their
 * processes, heartbeats its clock and delta on a pubsub topic, merges the other replicas' deltas and
 * transfers, and tells which replicas are down. Runs in its own process; the public methods are synchronous.
 */
export class Tracker {
  readonly node: string;
  readonly id = randomBytes(9).toString("base64url");
  readonly replica: string;
  private readonly state: PresenceState;
  private readonly topic: string;
  private readonly peers = new Map<string, Peer>();
  /** This node's own presences, by process. */
  readonly owned: Owned;
  private readonly counters = {
    dropped: 0,
    deltas: 0,
    gaps: 0,
    transfersRequested: 0,
    transfersSent: 0,
    transfersMerged: 0,
    sendErrors: 0,
  };
  private ticks = 0;
  private failing = false;
  private pid: Pid | null = null;
  private stopped = false;
  /** Takes the replica's beat off the node heartbeat it rides, if it does. */
  private offHeartbeat: (() => void) | null = null;

  constructor(
    private readonly rt: Runtime,
    private readonly pubsub: PubSub,
    name: string,
    private readonly cfg: TrackerConfig,
    private readonly logger: Logger,
    private readonly sink: ChangeSink,
  ) {
    this.node = pubsub.nodeName();
    this.replica = replicaKey(this.node, this.id);
    this.state = new PresenceState(this.replica);
    this.topic = `cinder:presence:${name}`;
    this.owned = new Owned(
      rt,
      this.state,
      (c) => `${this.id}.${c.toString(36)}`,
      (gone) => this.sink([], gone),
    );
  }

  /** Spawns the tracker's process, subscribes it and sends the first heartbeat (others learn of us now). */
  start(handle: (msg: unknown) => void): Pid {
    // One heartbeat per node: the replica's beat (its clock and delta) rides the node's heartbeat, whose
    // period is then the replica's (the first rider of a pubsub without distribution sets it).
    const ride = this.pubsub.ride(
      this.topic,
      {
        tick: () => (this.stopped ? null : this.beat()),
        hello: () => ({ v: 1, t: "hb", node: this.node, id: this.id, c: this.state.clock, d: null }),
        receive: (data) => {
          if (!this.stopped) this.receive(data);
        },
      },
      this.cfg.broadcastPeriodMs,
    );
    this.cfg.broadcastPeriodMs = ride.periodMs;
    this.offHeartbeat = ride.off;
    this.pid = this.rt.spawn({
      init: () => {
        this.pubsub.subscribe(this.topic);
        return null;
      },
      handleInfo: (msg: unknown, s: null) => {
        if (this.stopped) return s;
        try {
          handle(msg);
        } catch (err) {
          this.logger.log(
            "error",
            `presence ${this.label()}: ${err instanceof Error ? err.stack : String(err)}`,
          );
        }
        return s;
      },
    });
    // Others learn of this replica now, not at the next period.
    this.send(null, { v: 1, t: "hb", node: this.node, id: this.id, c: this.state.clock, d: null });
    return this.pid;
  }

  /** Stops: tells the others (they drop this node's presences now), and ends the process. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.offHeartbeat?.();
    this.send(null, { v: 1, t: "bye", node: this.node, id: this.id });
    this.owned.clear();
    if (this.pid !== null) this.rt.exit(this.pid, "shutdown");
  }

  /** The presences in `topic` visible here: this node's and those of replicas that are up. */
  inTopic(topic: string): Entry[] {
    const out: Entry[] = [];
    for (const e of this.state.inTopic(topic)) if (this.visible(e.replica)) out.push(e);
    return out;
  }

  /** Counters for `Presence.stats()`. */
  stats(): TrackerStats {
    let up = 0;
    let presences = this.state.entriesOf(this.replica).length;
    for (const [r, p] of this.peers) {
      if (p.up) {
        up++;
        presences += this.state.entriesOf(r).length;
      }
    }
    return { presences, replicasUp: up, replicasDown: this.peers.size - up, ...this.counters };
  }

  /** Handles a message from another node's tracker. */
  receive(msg: unknown): void {
    const m = parseWire(msg, { maxItems: this.cfg.maxChunkItems, maxChunks: this.cfg.maxTransferChunks });
    if (typeof m === "string") {
      this.drop(m);
      return;
    }
    if (m.node === this.node) return; // our own heartbeat from a pubsub that loops back, or an old incarnation
    const r = replicaKey(m.node, m.id);
    switch (m.t) {
      case "hb":
        return this.onHeartbeat(r, m);
      case "req":
        if (m.to === this.id) this.serve(r);
        return;
      case "st":
        if (m.to === this.id) this.onChunk(r, m);
        return;
      case "bye": {
        const p = this.peers.get(r);
        if (p !== undefined) this.forget(r, p);
        return;
      }
    }
  }

  private onHeartbeat(r: string, m: Extract<Wire, { t: "hb" }>): void {
    let p = this.peers.get(r);
    if (p === undefined) {
      // A new incarnation of a known node replaces the old one: its presences are gone with its process.
      for (const [or, op] of this.peers) if (op.node === m.node) this.forget(or, op);
      p = { node: m.node, id: m.id, up: true, silent: 0, asked: -1, served: -1, asm: null };
      this.peers.set(r, p);
      // Answer at once, so the newcomer asks for our partition without waiting for our next heartbeat.
      this.heartbeatTo(m.node);
    }
    p.silent = 0;
    if (!p.up) {
      p.up = true;
      this.sink(this.state.entriesOf(r), []);
    }
    if (m.d !== null) {
      const res = this.state.applyDelta(r, m.d);
      if (res !== "gap") {
        this.counters.deltas++;
        this.sink(res.joins, res.leaves);
        return;
      }
      this.counters.gaps++;
    }
    if (m.c > this.state.seen(r)) this.ask(p);
  }

  private ask(p: Peer): void {
    // One request at a time: asked again only after two periods without a chunk (a request or chunk was lost).
    if (p.asked >= 0 && this.ticks - p.asked < 2) return;
    p.asked = this.ticks;
    this.counters.transfersRequested++;
    this.send(p.node, { v: 1, t: "req", node: this.node, id: this.id, to: p.id });
  }

  private serve(r: string): void {
    const p = this.peers.get(r);
    // Only to a replica we have heard (a heartbeat first), and at most once per tick each.
    if (p === undefined || p.served === this.ticks) return;
    p.served = this.ticks;
    const snap = this.state.snapshot();
    const chunks = chunk(snap.items.values(), this.cfg.maxChunkItems, this.cfg.maxChunkBytes);
    if (chunks.length > this.cfg.maxTransferChunks) {
      this.logger.log(
        "error",
        `presence ${this.label()}: the state needs ${chunks.length} chunks, over maxTransferChunks`,
      );
      return;
    }
    this.counters.transfersSent++;
    for (let i = 0; i < chunks.length; i++) {
      const n = chunks.length;
      this.send(p.node, {
        v: 1,
        t: "st",
        node: this.node,
        id: this.id,
        to: p.id,
        c: snap.clock,
        i,
        n,
        e: chunks[i],
      });
    }
  }

  private onChunk(r: string, m: Extract<Wire, { t: "st" }>): void {
    const p = this.peers.get(r);
    if (p === undefined || m.c <= this.state.seen(r)) return;
    // Two transfers at one clock split the same partition the same way, so their chunks combine.
    if (p.asm === null || p.asm.c !== m.c) {
      if (p.asm !== null && p.asm.c > m.c) return; // an older transfer's late chunk
      p.asm = { c: m.c, n: m.n, chunks: new Map() };
    }
    if (p.asm.n !== m.n) {
      this.drop("chunk count changed within a transfer");
      return;
    }
    p.asm.chunks.set(m.i, m.e);
    p.asked = this.ticks;
    if (p.asm.chunks.size < p.asm.n) return;
    const items = new Map<number, Item>();
    for (const part of p.asm.chunks.values()) for (const it of part) items.set(it.clock, it);
    const c = p.asm.c;
    p.asm = null;
    p.asked = -1;
    const res = this.state.applyTransfer(r, { clock: c, items });
    this.counters.transfersMerged++;
    if (p.up) this.sink(res.joins, res.leaves);
  }

  /** One period: the heartbeat to send (with the delta since the last), after the others' silence is counted. */
  private beat(): Wire {
    this.ticks++;
    const d = this.state.takeDelta(this.cfg.maxChunkItems);
    const hb: Wire = { v: 1, t: "hb", node: this.node, id: this.id, c: this.state.clock, d };
    const down = Math.max(1, Math.ceil(this.cfg.downPeriodMs / this.cfg.broadcastPeriodMs));
    const permdown = Math.max(down, Math.ceil(this.cfg.permdownPeriodMs / this.cfg.broadcastPeriodMs));
    for (const [r, p] of [...this.peers]) {
      p.silent++;
      if (p.silent >= permdown) this.forget(r, p);
      else if (p.up && p.silent >= down) {
        p.up = false;
        this.logger.log(
          "warn",
          `presence ${this.label()}: ${p.node} is down (no heartbeat for ${this.cfg.downPeriodMs} ms)`,
        );
        this.sink([], this.state.entriesOf(r));
      }
    }
    return hb;
  }

  /** Permdown: forgets a replica and its presences (a leave for each, unless they left when it went down). */
  private forget(r: string, p: Peer): void {
    this.peers.delete(r);
    const gone = this.state.drop(r);
    if (p.up) this.sink([], gone);
  }

  private heartbeatTo(node: string): void {
    this.send(node, { v: 1, t: "hb", node: this.node, id: this.id, c: this.state.clock, d: null });
  }

  private send(node: string | null, m: Wire): void {
    try {
      if (node === null) {
        if (this.pid !== null) void this.pubsub.broadcastFrom(this.pid, this.topic, m);
      } else void this.pubsub.directBroadcast(node, this.topic, m);
      this.failing = false;
    } catch (err) {
      // A pubsub stopped under us, or a codec that refuses what jsonCodec took at `track`. Logged once per
      // run of failures: the heartbeat would otherwise log it every period.
      this.counters.sendErrors++;
      if (!this.failing) {
        this.failing = true;
        this.logger.log(
          "error",
          `presence ${this.label()}: could not send a ${m.t}: ${(err as Error).message}`,
        );
      }
    }
  }

  private drop(reason: string): void {
    // Counted always; logged once per hundred, so a flood from a bad node cannot flood the log too.
    if (this.counters.dropped++ % 100 === 0) {
      this.logger.log("warn", `presence ${this.label()}: dropped a message from another node (${reason})`);
    }
  }

  private visible(replica: string): boolean {
    return replica === this.replica || this.peers.get(replica)?.up === true;
  }

  private label(): string {
    return `on ${JSON.stringify(this.node)}`;
  }
}

function replicaKey(node: string, id: string): string {
  return `${node}\0${id}`;
}
