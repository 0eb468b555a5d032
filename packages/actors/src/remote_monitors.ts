import type { Connections } from "./connections.js";
import { unwatch, watch } from "./links.js";
import { Down } from "./messages.js";
import { type Pid, Ref } from "./pid.js";
import type { Monitor, Proc } from "./process.js";
import type { DistRuntime } from "./remote.js";

interface OutMonitor {
  readonly watcher: Proc;
  readonly ref: Ref;
  readonly target: Pid;
  /**
   * Drops the monitor when its watcher exits first, as Erlang does: it would otherwise stay, here and on the
   * target's node, until the target exits or its node goes down.
   */
  readonly exit: Monitor;
}

/**
 * Monitors across nodes: this node's processes watching processes of other nodes ("m" and "dm" out, "d" in),
 * and other nodes' processes watching this node's ("m" and "dm" in, "d" out). Each gives exactly one `Down`:
 * the target's exit reason, or `noconnection` when the node goes down first.
 */
export class RemoteMonitors {
  /** This node's monitors of other nodes' processes, by ref number. */
  private readonly out = new Map<number, OutMonitor>();
  /** Other nodes' monitors on this node's processes, by watcher node and ref number. */
  private readonly served = new Map<string, Monitor>();

  constructor(
    private readonly rt: DistRuntime,
    private readonly conn: Connections,
  ) {}

  /** This node's monitors of other nodes' processes. */
  get size(): number {
    return this.out.size;
  }

  /** Other nodes' monitors on this node's processes. */
  get servedSize(): number {
    return this.served.size;
  }

  /** `monitor` of a pid with no process attached here, by `watcher`. */
  monitor(watcher: Proc, pid: Pid): Ref {
    const ref = new Ref();
    const remote = pid.node !== this.rt.node;
    const creation = this.conn.creation(pid.node);
    if (!remote || creation !== pid.creation) {
      // A dead pid of this node, a pid of a restarted node, or a node that is down.
      const reason = remote && creation === undefined ? "noconnection" : "noproc";
      watcher.rt.scheduler.deliver(watcher, new Down(ref, pid, reason));
      return ref;
    }
    const exit = watch(watcher, () => this.demonitor(ref));
    this.out.set(ref.id, { watcher, ref, target: pid, exit });
    this.conn.post(pid.node, ["m", pid, watcher.pid, ref.id]);
    return ref;
  }

  /** Removes a monitor of a remote pid; false if `ref` is not one. */
  demonitor(ref: Ref): boolean {
    const m = this.out.get(ref.id);
    if (m === undefined) return false;
    this.out.delete(ref.id);
    unwatch(m.exit);
    this.conn.postQuietly(m.target.node, ["dm", m.target, ref.id]);
    return true;
  }

  /** `origin` monitors `target`, whose process here is `p` (null: not alive, so its DOWN goes at once). */
  serve(origin: string, p: Proc | null, target: Pid, refId: number): void {
    if (p === null) return this.conn.postQuietly(origin, ["d", refId, target, "noproc"]);
    const key = `${origin}\0${refId}`;
    if (this.served.has(key)) return;
    this.served.set(
      key,
      watch(p, (reason) => {
        this.served.delete(key);
        this.conn.postReason(origin, (r) => ["d", refId, target, r], reason);
      }),
    );
  }

  /** `origin` removed its monitor `refId`. */
  unserve(origin: string, refId: number): void {
    const key = `${origin}\0${refId}`;
    const w = this.served.get(key);
    if (w !== undefined) {
      unwatch(w);
      this.served.delete(key);
    }
  }

  /** The DOWN from `origin` for this node's monitor `refId` of `target`. */
  down(origin: string, refId: number, target: Pid, reason: unknown): void {
    const m = this.out.get(refId);
    // Exactly once: the entry goes with the first DOWN (or with the node, as noconnection).
    if (m === undefined || m.target.node !== origin || !m.target.equals(target)) return;
    this.out.delete(refId);
    unwatch(m.exit);
    m.watcher.rt.scheduler.deliver(m.watcher, new Down(m.ref, m.target, reason));
  }

  /** `node` went down: monitors of its processes fire with `noconnection`; its monitors here are gone. */
  nodeDown(node: string): void {
    for (const [id, m] of this.out) {
      if (m.target.node !== node) continue;
      this.out.delete(id);
      unwatch(m.exit);
      m.watcher.rt.scheduler.deliver(m.watcher, new Down(m.ref, m.target, "noconnection"));
    }
    const prefix = `${node}\0`;
    for (const [key, w] of this.served) {
      if (!key.startsWith(prefix)) continue;
      unwatch(w);
      this.served.delete(key);
    }
  }
}
