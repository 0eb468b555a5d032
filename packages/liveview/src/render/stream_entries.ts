/** One stream insert as the client reads it: `[domId, at, limit, updateOnly]`. */
export type StreamInsert = readonly [domId: string, at: number, limit: number | null, updateOnly: boolean];

/**
 * A stream's pending operations and the entries rendered for its inserts, as a template interpolates
 * them (`${streams.messages.map(([id, m]) => html`<li id="${id}">...`)}`). The diff engine sends it as a
 * comprehension that carries only these entries plus the operations; nothing of it is kept after.
 */
export class StreamEntries<T = unknown> {
  constructor(
    /** The stream's reference, unique within its view (the client tags stream children with it). */
    readonly ref: string,
    /** The inserts, in order; `entries[i]` renders `inserts[i]`. */
    readonly inserts: readonly StreamInsert[],
    /** DOM ids to remove. */
    readonly deletes: readonly string[],
    /** Whether the client removes every child of this stream first. */
    readonly reset: boolean,
    /** One template (a `Rendered`) per insert. */
    readonly entries: readonly T[],
  ) {}

  /** Whether there is nothing to tell the client. */
  get empty(): boolean {
    return this.inserts.length === 0 && this.deletes.length === 0 && !this.reset;
  }
}
