import type { Entry } from "./state.js";

/**
 * The presence changes of one tick, per topic, kept as a net diff: a join and a leave of the same presence
 * cancel out. Without that, a presence that left and came back within a tick (its node went down and up)
 * would be in both halves of one diff, and the official client applies joins before leaves, losing it.
 */
export class DiffBatch {
  private readonly topics = new Map<string, Map<string, { join: boolean; entry: Entry }>>();

  get empty(): boolean {
    return this.topics.size === 0;
  }

  add(joins: readonly Entry[], leaves: readonly Entry[]): void {
    for (const e of leaves) this.note(e, false);
    for (const e of joins) this.note(e, true);
  }

  /** Takes the batch: per topic, the joins and the leaves. */
  take(): Map<string, { joins: Entry[]; leaves: Entry[] }> {
    const out = new Map<string, { joins: Entry[]; leaves: Entry[] }>();
    for (const [topic, changes] of this.topics) {
      const d = { joins: [] as Entry[], leaves: [] as Entry[] };
      for (const c of changes.values()) (c.join ? d.joins : d.leaves).push(c.entry);
      out.set(topic, d);
    }
    this.topics.clear();
    return out;
  }

  private note(e: Entry, join: boolean): void {
    let t = this.topics.get(e.topic);
    if (t === undefined) this.topics.set(e.topic, (t = new Map()));
    const id = `${e.replica}\0${e.clock}`;
    const prior = t.get(id);
    if (prior !== undefined && prior.join !== join) {
      t.delete(id);
      if (t.size === 0) this.topics.delete(e.topic);
    } else t.set(id, { join, entry: e });
  }
}
