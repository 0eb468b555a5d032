import type { Ref } from "./pid.js";
import type { Proc } from "./process.js";

// A process's links and monitors. Most processes have one or two of each (a connection's processes: a link
// between them, a watch or two on each), and a Set or Map holds a hash table of ~150 bytes even for one
// entry. These keep up to SMALL entries in an exact-length array, replaced (not mutated) on each change, so
// iterating one while it changes is safe; past SMALL they switch to a Set or Map for O(1) operations.
const SMALL = 8;

/** The processes linked to one process. */
export class LinkSet implements Iterable<Proc> {
  #list: readonly Proc[] = EMPTY;
  #set: Set<Proc> | null = null;

  get size(): number {
    return this.#set === null ? this.#list.length : this.#set.size;
  }

  has(p: Proc): boolean {
    return this.#set === null ? this.#list.includes(p) : this.#set.has(p);
  }

  add(p: Proc): this {
    if (this.#set !== null) this.#set.add(p);
    else if (!this.#list.includes(p)) {
      if (this.#list.length < SMALL) this.#list = this.#list.concat(p);
      else {
        this.#set = new Set(this.#list).add(p);
        this.#list = EMPTY;
      }
    }
    return this;
  }

  delete(p: Proc): boolean {
    if (this.#set !== null) return this.#set.delete(p);
    if (!this.#list.includes(p)) return false;
    this.#list = this.#list.length === 1 ? EMPTY : this.#list.filter((x) => x !== p);
    return true;
  }

  [Symbol.iterator](): Iterator<Proc> {
    return (this.#set ?? this.#list)[Symbol.iterator]();
  }
}

/** Something with a ref: a monitor. */
interface Keyed {
  readonly ref: Ref;
}

/** The monitors (and watches) a process holds or is the target of, by ref. */
export class MonitorTable<M extends Keyed> {
  #list: readonly M[] = EMPTY as readonly M[];
  #map: Map<Ref, M> | null = null;

  get size(): number {
    return this.#map === null ? this.#list.length : this.#map.size;
  }

  get(ref: Ref): M | undefined {
    if (this.#map !== null) return this.#map.get(ref);
    for (const m of this.#list) if (m.ref === ref) return m;
    return undefined;
  }

  /** Adds `m` under `m.ref` (refs are unique: never already there). */
  add(m: M): this {
    if (this.#map !== null) this.#map.set(m.ref, m);
    else if (this.#list.length < SMALL) this.#list = this.#list.concat(m);
    else {
      this.#map = new Map(this.#list.map((x) => [x.ref, x]));
      this.#map.set(m.ref, m);
      this.#list = EMPTY as readonly M[];
    }
    return this;
  }

  delete(ref: Ref): boolean {
    if (this.#map !== null) return this.#map.delete(ref);
    const i = this.#list.findIndex((m) => m.ref === ref);
    if (i < 0) return false;
    this.#list = this.#list.length === 1 ? (EMPTY as readonly M[]) : this.#list.filter((_, j) => j !== i);
    return true;
  }

  values(): Iterable<M> {
    return this.#map === null ? this.#list : this.#map.values();
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
