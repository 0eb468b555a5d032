import type { Pid, Runtime, Watch } from "@cinder/actors";
import type { Entry, Meta, PresenceState } from "./state.js";

/** A tracked process: its exit watch and its presences' clocks by `topic\0key`. */
interface Tracked {
  watch: Watch | null;
  readonly keys: Map<string, number>;
}

/**
 * This node's own presences, by process: enforces one presence per (pid, topic, key), and watches each
 * tracked process so that its exit removes all of its presences (the tracker shard's link in Phoenix).
 */
export class Owned {
  private readonly procs = new Map<string, Tracked>();

  constructor(
    private readonly rt: Runtime,
    private readonly state: PresenceState,
    /** `phx_ref` for this replica's dot at `clock`. */
    private readonly ref: (clock: number) => string,
    /** Gets the presences of a process that exited. */
    private readonly onExit: (gone: Entry[]) => void,
  ) {}

  /** Adds a presence of a live local process, unless (pid, topic, key) is tracked already or pid is dead. */
  track(
    pid: Pid,
    topic: string,
    key: string,
    meta: Record<string, unknown>,
    prev?: string,
  ): Entry | "already_tracked" | "noproc" {
    const pk = String(pid);
    let t = this.procs.get(pk);
    const tk = `${topic}\0${key}`;
    if (t?.keys.has(tk)) return "already_tracked";
    if (t === undefined) {
      const watch = this.rt.watch(pid, () => this.exited(pk));
      if (watch === null) return "noproc";
      t = { watch, keys: new Map() };
      this.procs.set(pk, t);
    }
    const e = this.state.join(topic, key, (clock) => {
      const m: Record<string, unknown> = { ...meta, phx_ref: this.ref(clock) };
      if (prev !== undefined) m.phx_ref_prev = prev;
      else delete m.phx_ref_prev;
      // Shared by every list and diff: frozen, so no reader can change what the others see.
      return Object.freeze(m) as Meta;
    });
    t.keys.set(tk, e.clock);
    return e;
  }

  /** The presence of (pid, topic, key). */
  find(pid: Pid, topic: string, key: string): Entry | undefined {
    const c = this.procs.get(String(pid))?.keys.get(`${topic}\0${key}`);
    return c === undefined ? undefined : this.state.ownEntry(c);
  }

  /** Removes the presences of `pid`: in `topic` under `key`, in `topic`, or everywhere. */
  untrack(pid: Pid, topic?: string, key?: string): Entry[] {
    const pk = String(pid);
    const t = this.procs.get(pk);
    if (t === undefined) return [];
    const gone: Entry[] = [];
    for (const [tk, clock] of [...t.keys]) {
      const e = this.state.ownEntry(clock);
      if (
        e === undefined ||
        (topic !== undefined && e.topic !== topic) ||
        (key !== undefined && e.key !== key)
      ) {
        continue;
      }
      t.keys.delete(tk);
      this.state.leave(clock);
      gone.push(e);
    }
    if (t.keys.size === 0) {
      if (t.watch !== null) this.rt.unwatch(t.watch);
      this.procs.delete(pk);
    }
    return gone;
  }

  /** Stops watching every process (the presence set stops). */
  clear(): void {
    for (const t of this.procs.values()) if (t.watch !== null) this.rt.unwatch(t.watch);
    this.procs.clear();
  }

  private exited(pk: string): void {
    const t = this.procs.get(pk);
    if (t === undefined) return;
    t.watch = null;
    this.procs.delete(pk);
    const gone: Entry[] = [];
    for (const clock of t.keys.values()) {
      const e = this.state.leave(clock);
      if (e !== undefined) gone.push(e);
    }
    this.onExit(gone);
  }
}
