import type { Proc } from "./process.js";

/** What the table counts per process, beside what the process record holds. */
export interface ProcessCounters {
  /** When it was spawned (the runtime clock's ms). */
  readonly spawnedAt: number;
  /** Messages its behaviour has handled. */
  handled: number;
  /** When it last handled a message (the runtime clock's ms), or its spawn time. */
  lastActive: number;
}

/**
 * The runtime's table of live processes, as Erlang's process table: what `processes()` lists and
 * `processInfo` counts. A runtime keeps one only when asked (`createRuntime({ processTable: true })`; the
 * default runtime outside production): each entry costs a Map slot and a small record, and the scheduler
 * updates the counters once per turn of a process (not per message).
 */
export class ProcessTable {
  readonly #rows = new Map<Proc, ProcessCounters>();
  /** Messages handled by all processes since the table was made. */
  handled = 0;

  add(p: Proc, now: number): void {
    this.#rows.set(p, { spawnedAt: now, handled: 0, lastActive: now });
  }

  remove(p: Proc): void {
    this.#rows.delete(p);
  }

  /** `p` handled `handled` messages in one turn, ending at `now`. */
  ran(p: Proc, handled: number, now: number): void {
    const row = this.#rows.get(p);
    if (row === undefined || handled === 0) return;
    row.handled += handled;
    this.handled += handled;
    row.lastActive = now;
  }

  counters(p: Proc): ProcessCounters | undefined {
    return this.#rows.get(p);
  }

  get size(): number {
    return this.#rows.size;
  }

  /** Live processes, oldest first. */
  procs(): IterableIterator<Proc> {
    return this.#rows.keys();
  }
}
