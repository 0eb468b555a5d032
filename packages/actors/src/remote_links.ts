import type { ExitReason } from "./behaviour.js";
import type { Connections } from "./connections.js";
import { unwatch, watch } from "./links.js";
import type { Pid } from "./pid.js";
import type { Monitor, Proc } from "./process.js";
import type { DistRuntime } from "./remote.js";

interface RemoteLink {
  readonly local: Proc;
  readonly remote: Pid;
  readonly watch: Monitor;
}

/**
 * Links across nodes ("l" and "ul" both ways) and the exit signals they carry ("x"), with `exit(pid, reason)`
 * to a remote pid. Each side keeps its half of a link; the exit of either end, or its node going down
 * (`noconnection`), ends it.
 */
export class RemoteLinks {
  /** Links between a process of this node and one of another node, by both. */
  private readonly links = new Map<string, RemoteLink>();

  constructor(
    private readonly rt: DistRuntime,
    private readonly conn: Connections,
  ) {}

  /** Links standing between this node's processes and other nodes'. */
  get size(): number {
    return this.links.size;
  }

  /** Links `me` with a pid with no process attached here. */
  link(me: Proc, pid: Pid): void {
    const remote = pid.node !== this.rt.node;
    const creation = this.conn.creation(pid.node);
    if (!remote || creation !== pid.creation) {
      const reason = remote && creation === undefined ? "noconnection" : "noproc";
      this.rt.signalExit(me, pid, reason, true);
      return;
    }
    const key = linkKey(me.pid, pid);
    if (this.links.has(key)) return;
    const w = watch(me, (reason) => {
      this.links.delete(key);
      this.conn.postReason(pid.node, (r) => ["x", pid, me.pid, r, 1], reason);
    });
    this.links.set(key, { local: me, remote: pid, watch: w });
    this.conn.post(pid.node, ["l", pid, me.pid]);
  }

  /** Removes the link between `me` and a remote pid, if any. */
  unlink(me: Proc, pid: Pid): void {
    if (this.remove(linkKey(me.pid, pid))) this.conn.postQuietly(pid.node, ["ul", pid, me.pid]);
  }

  /** `exit(pid, reason)` for a remote pid. */
  exit(pid: Pid, from: Pid | null, reason: ExitReason): void {
    if (this.conn.creation(pid.node) === pid.creation) {
      this.conn.postReason(pid.node, (r) => ["x", pid, from, r, 0], reason);
    }
  }

  /** `from` (of `origin`) links with `to`, whose process here is `p` (null: not alive, so the link fails). */
  linkFrom(origin: string, p: Proc | null, to: Pid, from: Pid): void {
    if (p === null) return this.conn.postQuietly(origin, ["x", from, to, "noproc", 1]);
    const key = linkKey(p.pid, from);
    if (this.links.has(key)) return;
    const w = watch(p, (reason) => {
      this.links.delete(key);
      this.conn.postReason(origin, (r) => ["x", from, p.pid, r, 1], reason);
    });
    this.links.set(key, { local: p, remote: from, watch: w });
  }

  /** `from` removed its link with `p`. */
  unlinkFrom(p: Proc | null, from: Pid): void {
    if (p !== null) this.remove(linkKey(p.pid, from));
  }

  /** An exit signal from another node's `from` to `p`: through their link (which it ends), or by `exit`. */
  exitFrom(p: Proc, from: Pid | null, reason: unknown, viaLink: boolean): void {
    if (!viaLink) return this.rt.signalExit(p, from, reason, false);
    // Through a link: only if the link still stands (else the signal is dropped, as in Erlang).
    if (from !== null && this.remove(linkKey(p.pid, from))) this.rt.signalExit(p, from, reason, true);
  }

  /** Ends this node's half of the link under `key`; false if there was none. */
  private remove(key: string): boolean {
    const l = this.links.get(key);
    if (l === undefined) return false;
    unwatch(l.watch);
    this.links.delete(key);
    return true;
  }

  /** `node` went down: the links to its processes break with `noconnection`. */
  nodeDown(node: string): void {
    for (const [key, l] of this.links) {
      if (l.remote.node !== node) continue;
      unwatch(l.watch);
      this.links.delete(key);
      this.rt.signalExit(l.local, l.remote, "noconnection", true);
    }
  }
}

function linkKey(local: Pid, remote: Pid): string {
  return `${local.id}\0${remote.node}\0${remote.creation}\0${remote.id}`;
}
