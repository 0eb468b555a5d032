/**
 * The replicated presence set: a delta-state CRDT in the manner of Phoenix.Tracker.State, written for the
 * case Presence needs, where every replica writes only its own presences.
 *
 * Each presence is a dot `(replica, clock)`: the replica that tracked it and the value its clock took then.
 * A replica's clock counts every change it makes (a join and a leave both tick it), so what another replica
 * knows of it is summed up by one number, the highest clock seen (the causal context). A presence is
 * observed-removed: a state whose context covers a dot but does not hold it has seen it leave. Merging two
 * states keeps, per replica, the dots both hold and the dots one holds that the other has not seen yet
 * (`mergePartition`), which is commutative, associative and idempotent.
 *
 * Between full states, replicas ship deltas: the changes over a clock range `(from, to]`. A delta applies
 * only where it joins up with what the receiver knows (`from <= seen`); otherwise the receiver has missed
 * one and asks for the replica's full partition instead (`applyTransfer`).
 */

/** A presence's metadata as stored: the user's fields plus `phx_ref` (and `phx_ref_prev` after an update). */
export type Meta = Readonly<Record<string, unknown>> & { readonly phx_ref: string };

/** One presence, as known on this node. */
export interface Entry {
  /** The replica that tracked it (`node#incarnation`). */
  readonly replica: string;
  /** Its dot's clock on that replica. */
  readonly clock: number;
  readonly topic: string;
  readonly key: string;
  readonly meta: Meta;
}

/** The wire-free form of one presence inside a partition: what a delta or a transfer carries. */
export interface Item {
  readonly clock: number;
  readonly topic: string;
  readonly key: string;
  readonly meta: Meta;
}

/** One replica's presences as some node knows them: the highest clock seen, and the live dots. */
export interface PartitionView {
  readonly clock: number;
  readonly items: ReadonlyMap<number, Item>;
}

/** The changes of one replica over `(from, to]`: dots added and still live, and dots removed. */
export interface Delta {
  readonly from: number;
  readonly to: number;
  readonly joins: readonly Item[];
  readonly leaves: readonly number[];
}

/** What a merge did to this node's view: presences that appeared and presences that went. */
export interface Changes {
  joins: Entry[];
  leaves: Entry[];
}

/**
 * The observed-remove merge of two views of one replica's partition. Keeps a dot when both hold it, or when
 * one holds it and the other's context has not reached it yet.
 */
export function mergePartition(a: PartitionView, b: PartitionView): PartitionView {
  const items = new Map<number, Item>();
  for (const [c, it] of a.items) if (b.items.has(c) || c > b.clock) items.set(c, it);
  for (const [c, it] of b.items) if (!items.has(c) && c > a.clock) items.set(c, it);
  return { clock: Math.max(a.clock, b.clock), items };
}

class Partition {
  clock = 0;
  readonly entries = new Map<number, Entry>();
}

/**
 * This node's view of every replica's partition, with its own writable one, the delta of its changes since
 * the last `takeDelta`, and an index by topic for `list`.
 */
export class PresenceState {
  private readonly parts = new Map<string, Partition>();
  private readonly byTopic = new Map<string, Set<Entry>>();
  private deltaFrom = 0;
  private deltaJoins = new Map<number, Item>();
  private deltaLeaves: number[] = [];

  constructor(readonly self: string) {
    this.parts.set(self, new Partition());
  }

  /** This replica's clock. */
  get clock(): number {
    return this.own().clock;
  }

  /** Adds a presence of this replica; `meta(clock)` builds its metadata from the new dot's clock. */
  join(topic: string, key: string, meta: (clock: number) => Meta): Entry {
    const p = this.own();
    const clock = ++p.clock;
    const e: Entry = { replica: this.self, clock, topic, key, meta: meta(clock) };
    this.insert(p, e);
    this.deltaJoins.set(clock, toItem(e));
    return e;
  }

  /** Removes a presence of this replica by its dot's clock. */
  leave(clock: number): Entry | undefined {
    const p = this.own();
    const e = p.entries.get(clock);
    if (e === undefined) return undefined;
    p.clock++;
    this.delete(p, e);
    // A receiver that got this dot from a transfer still needs the leave, even if the join is in this delta.
    this.deltaJoins.delete(clock);
    this.deltaLeaves.push(clock);
    return e;
  }

  /** The changes since the last call, or null if none; with `max`, null (and a fresh start) when larger. */
  takeDelta(max = Number.POSITIVE_INFINITY): Delta | null {
    const to = this.clock;
    if (to === this.deltaFrom) return null;
    const d: Delta = {
      from: this.deltaFrom,
      to,
      joins: [...this.deltaJoins.values()],
      leaves: this.deltaLeaves,
    };
    this.deltaFrom = to;
    this.deltaJoins = new Map();
    this.deltaLeaves = [];
    return d.joins.length + d.leaves.length > max ? null : d;
  }

  /** This replica's live presences and clock, for a full transfer. */
  snapshot(): PartitionView {
    const p = this.own();
    const items = new Map<number, Item>();
    for (const [c, e] of p.entries) items.set(c, toItem(e));
    return { clock: p.clock, items };
  }

  /** The highest clock seen of `replica` (0 if unknown). */
  seen(replica: string): number {
    return this.parts.get(replica)?.clock ?? 0;
  }

  /** Whether anything of `replica` is held. */
  has(replica: string): boolean {
    return this.parts.has(replica);
  }

  /** The known replicas other than this one. */
  others(): string[] {
    return [...this.parts.keys()].filter((r) => r !== this.self);
  }

  /** Applies another replica's delta; `"gap"` when it does not join up with what is known (ask for a transfer). */
  applyDelta(replica: string, d: Delta): Changes | "gap" {
    const p = this.part(replica);
    if (d.to <= p.clock) return { joins: [], leaves: [] }; // already seen: a duplicate or a late copy
    if (d.from > p.clock) return "gap";
    const out: Changes = { joins: [], leaves: [] };
    for (const c of d.leaves) {
      const e = p.entries.get(c);
      if (e !== undefined) {
        this.delete(p, e);
        out.leaves.push(e);
      }
    }
    // A join at or below what is known was seen already (and maybe seen to leave): never added again.
    for (const it of d.joins) {
      if (it.clock > p.clock && it.clock <= d.to && !p.entries.has(it.clock)) {
        const e = toEntry(replica, it);
        this.insert(p, e);
        out.joins.push(e);
      }
    }
    p.clock = d.to;
    return out;
  }

  /** Merges a full partition of `replica` received in a transfer. */
  applyTransfer(replica: string, view: PartitionView): Changes {
    const p = this.part(replica);
    const out: Changes = { joins: [], leaves: [] };
    if (view.clock <= p.clock) return out;
    const merged = mergePartition(viewOf(p), view);
    for (const [c, e] of [...p.entries]) {
      if (!merged.items.has(c)) {
        this.delete(p, e);
        out.leaves.push(e);
      }
    }
    for (const [c, it] of merged.items) {
      if (!p.entries.has(c)) {
        const e = toEntry(replica, it);
        this.insert(p, e);
        out.joins.push(e);
      }
    }
    p.clock = merged.clock;
    return out;
  }

  /** Forgets `replica` entirely (permdown); returns what it held. */
  drop(replica: string): Entry[] {
    if (replica === this.self) throw new Error("presence: a replica cannot drop itself");
    const p = this.parts.get(replica);
    if (p === undefined) return [];
    const gone = [...p.entries.values()];
    for (const e of gone) this.delete(p, e);
    this.parts.delete(replica);
    return gone;
  }

  /** The presences `replica` holds. */
  entriesOf(replica: string): Entry[] {
    return [...(this.parts.get(replica)?.entries.values() ?? [])];
  }

  /** The presence of this replica at `clock`. */
  ownEntry(clock: number): Entry | undefined {
    return this.own().entries.get(clock);
  }

  /** Every presence in `topic`, of every replica (the caller filters out replicas that are down). */
  inTopic(topic: string): Iterable<Entry> {
    return this.byTopic.get(topic) ?? [];
  }

  /** Topics with at least one presence. */
  topicCount(): number {
    return this.byTopic.size;
  }

  /** Presences held, of every replica. */
  size(): number {
    let n = 0;
    for (const p of this.parts.values()) n += p.entries.size;
    return n;
  }

  private own(): Partition {
    return this.parts.get(this.self)!;
  }

  private part(replica: string): Partition {
    let p = this.parts.get(replica);
    if (p === undefined) this.parts.set(replica, (p = new Partition()));
    return p;
  }

  private insert(p: Partition, e: Entry): void {
    p.entries.set(e.clock, e);
    let s = this.byTopic.get(e.topic);
    if (s === undefined) this.byTopic.set(e.topic, (s = new Set()));
    s.add(e);
  }

  private delete(p: Partition, e: Entry): void {
    p.entries.delete(e.clock);
    const s = this.byTopic.get(e.topic);
    if (s === undefined) return;
    s.delete(e);
    if (s.size === 0) this.byTopic.delete(e.topic);
  }
}

function toItem(e: Entry): Item {
  return { clock: e.clock, topic: e.topic, key: e.key, meta: e.meta };
}

function toEntry(replica: string, it: Item): Entry {
  return { replica, clock: it.clock, topic: it.topic, key: it.key, meta: it.meta };
}

function viewOf(p: Partition): PartitionView {
  const items = new Map<number, Item>();
  for (const [c, e] of p.entries) items.set(c, toItem(e));
  return { clock: p.clock, items };
}
