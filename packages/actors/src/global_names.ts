import { describeValue } from "./describe.js";
import { isName, MAX_NAME } from "./frame.js";
import { unwatch, watch } from "./links.js";
import { Pid } from "./pid.js";
import type { Monitor, Proc } from "./process.js";

/** How a node's global names reach the others (remote.ts gives it its transport). */
export interface GlobalNamesHost {
  /** Sends a frame to every other node that is up. */
  broadcast(frame: unknown[]): void;
  /** Sends a frame to one node. */
  send(node: string, frame: unknown[]): void;
  /** A process of this node lost its name to another node's process: tell it (an exit signal). */
  conflictLost(p: Proc, name: string): void;
}

/** Names sent in one frame when a node comes up. */
const SYNC_CHUNK = 200;

/**
 * The cluster's global names: each node holds a copy of the whole table, and each owner tells the others of
 * its own names (when it registers, when the name is freed, and to every node that comes up).
 *
 * The conflict rule, for two processes registered under one name on two nodes that did not see each other
 * (registered at once, or on both sides of a partition): the process on the node whose name sorts first
 * keeps the name (then the lower creation, then the lower process number, so that any tie is broken the same
 * way on every node). The loser's node takes the name from it and sends it an exit signal with reason
 * `{ global_name_conflict: name }`: a process that does not trap exits ends; one that traps gets the EXIT
 * message and may carry on without the name.
 */
export class GlobalNames {
  private readonly byName = new Map<string, Pid>();
  /** Names held by this node's processes, with the watch that frees each when its process exits. */
  private readonly own = new Map<string, { p: Proc; w: Monitor }>();

  constructor(private readonly host: GlobalNamesHost) {}

  get size(): number {
    return this.byName.size;
  }

  /** The pid registered as `name` anywhere in the cluster, as far as this node knows. */
  whereis(name: string): Pid | undefined {
    return this.byName.get(name);
  }

  /**
   * Registers `p` (a live process of this node) as `name` in the whole cluster. False when this node knows
   * the name is taken; a conflict found later is settled by the rule above.
   */
  register(name: string, p: Proc): boolean {
    if (this.byName.has(name)) return false;
    this.take(name, p);
    this.host.broadcast(["r", name, p.pid]);
    return true;
  }

  /** Frees `name` in the whole cluster; false when it is not registered. */
  unregister(name: string): boolean {
    const pid = this.byName.get(name);
    if (pid === undefined) return false;
    this.release(name);
    this.host.broadcast(["u", name, pid]);
    return true;
  }

  /** Applies a frame from another node's names (`origin`, incarnation `creation`); false if it is malformed. */
  receive(origin: string, creation: number, f: unknown[]): boolean {
    if (f[0] === "r" || f[0] === "u") {
      const name = f[1];
      const pid = f[2];
      if (f.length !== 3 || !isName(name) || !(pid instanceof Pid)) return false;
      // A node registers only its own processes; any node may free a name (as with Erlang's global).
      if (f[0] === "r" && (pid.node !== origin || pid.creation !== creation)) return false;
      if (f[0] === "r") this.learn(name, pid);
      else if (this.byName.get(name)?.equals(pid)) this.release(name);
      return true;
    }
    if (f[0] === "s") {
      const list = f[1];
      if (f.length !== 2 || !Array.isArray(list) || list.length > SYNC_CHUNK) return false;
      for (const e of list) {
        if (
          !Array.isArray(e) ||
          e.length !== 2 ||
          !isName(e[0]) ||
          !(e[1] instanceof Pid) ||
          e[1].node !== origin ||
          e[1].creation !== creation
        ) {
          return false;
        }
      }
      for (const [name, pid] of list as [string, Pid][]) this.learn(name, pid);
      return true;
    }
    return false;
  }

  /** Tells a node that came up (or back) this node's own names: conflicts from a partition are settled now. */
  nodeUp(node: string): void {
    const mine = [...this.own.entries()].map(([name, o]) => [name, o.p.pid]);
    for (let i = 0; i < mine.length; i += SYNC_CHUNK)
      this.host.send(node, ["s", mine.slice(i, i + SYNC_CHUNK)]);
  }

  /** A node went down: its processes' names are free. */
  nodeDown(node: string): void {
    for (const [name, pid] of this.byName) if (pid.node === node) this.byName.delete(name);
  }

  private learn(name: string, pid: Pid): void {
    const cur = this.byName.get(name);
    if (cur === undefined) {
      this.byName.set(name, pid);
      return;
    }
    if (cur.equals(pid) || wins(cur, pid)) return;
    // The newcomer wins: if the loser is one of ours, it loses the name and is told.
    const mine = this.own.get(name);
    this.byName.set(name, pid);
    if (mine !== undefined) {
      unwatch(mine.w);
      this.own.delete(name);
      this.host.conflictLost(mine.p, name);
    }
  }

  private take(name: string, p: Proc): void {
    this.byName.set(name, p.pid);
    const w = watch(p, () => {
      // The process exited holding the name: free it everywhere.
      if (this.own.get(name)?.p !== p) return;
      this.own.delete(name);
      this.byName.delete(name);
      this.host.broadcast(["u", name, p.pid]);
    });
    this.own.set(name, { p, w });
  }

  private release(name: string): void {
    const mine = this.own.get(name);
    if (mine !== undefined) {
      unwatch(mine.w);
      this.own.delete(name);
    }
    this.byName.delete(name);
  }
}

/** True when `a` keeps a name that `b` also claims (see the conflict rule). */
export function wins(a: Pid, b: Pid): boolean {
  if (a.node !== b.node) return a.node < b.node;
  if (a.creation !== b.creation) return a.creation < b.creation;
  return a.id < b.id;
}

/** Throws a TypeError naming `fn` unless `name` is a usable global name. */
export function checkGlobalName(name: unknown, fn: string): asserts name is string {
  if (!isName(name)) {
    throw new TypeError(
      `${fn}: a global name must be a non-empty string of at most ${MAX_NAME} characters, got ${describeValue(name)}`,
    );
  }
}
