import type { ExitReason } from "./behaviour.js";
import { CastRequest, callProc } from "./call.js";
import type { Clock } from "./clock.js";
import { Connections } from "./connections.js";
import { isPidOrNull, isRefId } from "./frame.js";
import { GlobalNames } from "./global_names.js";
import { unwatch, watch } from "./links.js";
import type { Logger } from "./log.js";
import { Pid, Ref } from "./pid.js";
import type { Monitor, Proc } from "./process.js";
import { RemoteCalls } from "./remote_calls.js";
import { RemoteLinks } from "./remote_links.js";
import { RemoteMonitors } from "./remote_monitors.js";
import type { Transport, TransportHost } from "./transport.js";

/** The message `monitorNode` sends when that node goes down (or at once, if it is not up). */
export class NodeDown {
  readonly type = "nodedown" as const;
  constructor(
    readonly ref: Ref,
    readonly node: string,
  ) {}
}

/** What a distribution needs of its runtime. */
export interface DistRuntime {
  readonly node: string;
  readonly creation: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Applies an exit signal to `p` (a link's when `viaLink`). */
  signalExit(p: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void;
}

/**
 * A runtime's reach to other nodes: remote `send`, `call`, `cast`, monitors, links and node monitors over a
 * `Transport`, and the cluster's global names. Every runtime has one; without a transport every other node
 * is down, so remote pids behave as dead ones (monitors get `noconnection`).
 *
 * The connections (connections.ts) number the frames and say which nodes are up; this class sends the frames
 * and applies those that arrive (their format: frame.ts), keeping calls, monitors and links across nodes in
 * remote_calls.ts, remote_monitors.ts and remote_links.ts.
 *
 * Pids cross nodes as data. A pid of this runtime that comes back from another node has no process attached
 * (`_p` null): it is found again by number among the processes whose pids left this node (`export`).
 */
export class Distribution {
  private readonly conn: Connections;
  /** This runtime's live processes whose pids left the node, by number. */
  private readonly exported = new Map<number, Proc>();
  private readonly calls: RemoteCalls;
  private readonly monitors: RemoteMonitors;
  private readonly links: RemoteLinks;
  /** Node monitors by ref number; each is dropped when its watcher exits (`exit`), as a process monitor is. */
  private readonly nodeMonitors = new Map<number, { watcher: Proc; ref: Ref; node: string; exit: Monitor }>();
  readonly globals: GlobalNames;

  constructor(private readonly rt: DistRuntime) {
    const conn = (this.conn = new Connections(rt, {
      frame: (origin, f) => this.apply(origin, f),
      up: (node) => this.globals.nodeUp(node),
      down: (node) => this.takeDown(node),
    }));
    this.calls = new RemoteCalls(rt, conn);
    this.monitors = new RemoteMonitors(rt, conn);
    this.links = new RemoteLinks(rt, conn);
    this.globals = new GlobalNames({
      // One frame per node that is up, numbered with the rest: a name registered and then used arrives first.
      broadcast: (frame) => {
        for (const node of conn.upNodes()) conn.postQuietly(node, ["g", ...frame]);
      },
      send: (node, frame) => conn.post(node, ["g", ...frame]),
      conflictLost: (p, name) => rt.signalExit(p, null, { global_name_conflict: name }, false),
    });
  }

  /** Connects the transport, which then talks to the connections: see `Runtime.distribute`. */
  attach(t: Transport): TransportHost {
    return this.conn.attach(t);
  }

  /** The other nodes that are up now. */
  nodes(): string[] {
    return [...this.conn.upNodes()];
  }

  /** Whether `pid` names a process of another node (a pid of an earlier incarnation of this one is dead). */
  isRemote(pid: Pid): boolean {
    return pid.node !== this.rt.node;
  }

  /** The live process of this runtime that `pid` names, also when it came back from another node. */
  local(pid: Pid): Proc | null {
    if (pid._p !== null) return pid._p;
    if (pid.node !== this.rt.node || pid.creation !== this.rt.creation) return null;
    return this.exported.get(pid.id) ?? null;
  }

  /** Keeps `p` findable by number while it lives (its pid is leaving the node). */
  export(p: Proc): void {
    if (!this.conn.attached || p.rt !== (this.rt as unknown) || this.exported.has(p.pid.id)) return;
    this.exported.set(p.pid.id, p);
    watch(p, () => this.exported.delete(p.pid.id));
  }

  // Outgoing -------------------------------------------------------------------------------------------------

  /** `send` to a pid with no process attached here. */
  send(pid: Pid, msg: unknown): void {
    if (!this.isRemote(pid)) {
      const p = this.local(pid);
      if (p !== null) p.rt.scheduler.deliver(p, msg);
      return;
    }
    if (this.conn.creation(pid.node) === pid.creation) this.conn.post(pid.node, ["s", pid, msg]);
  }

  /** `cast` to a pid with no process attached here. */
  cast(pid: Pid, req: unknown): void {
    if (!this.isRemote(pid)) {
      const p = this.local(pid);
      if (p !== null) p.rt.scheduler.deliver(p, new CastRequest(req));
      return;
    }
    if (this.conn.creation(pid.node) === pid.creation) this.conn.post(pid.node, ["k", pid, req]);
  }

  /**
   * `call` to a pid with no process attached here. Throws (a codec error) before sending a request that
   * cannot travel; rejects with `noconnection` when the node is down or goes down before the reply.
   */
  call(pid: Pid, req: unknown, timeoutMs: number, caller: Proc | null): Promise<any> {
    if (!this.isRemote(pid)) return callProc(this.local(pid), pid, req, timeoutMs);
    return this.calls.call(pid, req, timeoutMs, caller);
  }

  /** `monitor` of a pid with no process attached here, by `watcher`. */
  monitor(watcher: Proc, pid: Pid): Ref {
    return this.monitors.monitor(watcher, pid);
  }

  /** Removes a monitor of a remote pid; false if `ref` is not one. */
  demonitor(ref: Ref): boolean {
    return this.monitors.demonitor(ref);
  }

  /** Links `me` with a pid with no process attached here. */
  link(me: Proc, pid: Pid): void {
    this.links.link(me, pid);
  }

  /** Removes the link between `me` and a remote pid, if any. */
  unlink(me: Proc, pid: Pid): void {
    this.links.unlink(me, pid);
  }

  /** `exit(pid, reason)` for a remote pid. */
  exit(pid: Pid, from: Pid | null, reason: ExitReason): void {
    this.links.exit(pid, from, reason);
  }

  /** Tells `watcher` (a `NodeDown` message) when `node` goes down; at once if it is not up. */
  monitorNode(watcher: Proc, node: string): Ref {
    const ref = new Ref();
    if (this.conn.creation(node) !== undefined) {
      const exit = watch(watcher, () => this.nodeMonitors.delete(ref.id));
      this.nodeMonitors.set(ref.id, { watcher, ref, node, exit });
    } else watcher.rt.scheduler.deliver(watcher, new NodeDown(ref, node));
    return ref;
  }

  /** Removes a node monitor; false if there was none. */
  demonitorNode(ref: Ref): boolean {
    const nm = this.nodeMonitors.get(ref.id);
    if (nm === undefined) return false;
    this.nodeMonitors.delete(ref.id);
    unwatch(nm.exit);
    return true;
  }

  /** Counters for `Runtime.stats`-like views and tests. */
  stats(): Record<string, number> {
    return {
      nodes: this.conn.size,
      exported: this.exported.size,
      pendingCalls: this.calls.size,
      monitors: this.monitors.size,
      nodeMonitors: this.nodeMonitors.size,
      served: this.monitors.servedSize,
      links: this.links.size,
      globalNames: this.globals.size,
      dropped: this.conn.dropped,
      sendErrors: this.conn.sendErrors,
    };
  }

  // Incoming -------------------------------------------------------------------------------------------------

  /** Applies a frame (its creations and sequence number taken out): `[V, origin, kind, ...arguments]`. */
  private apply(origin: string, f: unknown[]): void {
    switch (f[2]) {
      case "s":
      case "k": {
        if (f.length !== 5 || !(f[3] instanceof Pid)) return this.conn.drop("bad send");
        const p = this.target(f[3]);
        if (p !== null) p.rt.scheduler.deliver(p, f[2] === "s" ? f[4] : new CastRequest(f[4]));
        return;
      }
      case "c":
        if (f.length !== 7 || !(f[3] instanceof Pid) || !isPidOrNull(f[4]) || !isRefId(f[5])) {
          return this.conn.drop("bad call");
        }
        return this.calls.serve(origin, this.target(f[3]), f[4], f[5], f[6]);
      case "r":
        if (
          f.length !== 7 ||
          !isRefId(f[3]) ||
          (f[4] !== 0 && f[4] !== 1) ||
          (f[4] === 0 && f[5] !== "noproc" && f[5] !== "exit")
        ) {
          return this.conn.drop("bad reply");
        }
        return this.calls.settle(origin, f[3], f[4] === 1, f[5], f[6]);
      case "m":
        if (f.length !== 6 || !(f[3] instanceof Pid) || !(f[4] instanceof Pid) || !isRefId(f[5])) {
          return this.conn.drop("bad monitor");
        }
        return this.monitors.serve(origin, this.target(f[3]), f[3], f[5]);
      case "dm":
        if (f.length !== 5 || !isRefId(f[4])) return this.conn.drop("bad demonitor");
        return this.monitors.unserve(origin, f[4]);
      case "d":
        if (f.length !== 6 || !isRefId(f[3]) || !(f[4] instanceof Pid)) return this.conn.drop("bad down");
        return this.monitors.down(origin, f[3], f[4], f[5]);
      case "l":
      case "ul": {
        if (f.length !== 5 || !(f[3] instanceof Pid) || !(f[4] instanceof Pid) || f[4].node !== origin) {
          return this.conn.drop("bad link");
        }
        const p = this.target(f[3]);
        return f[2] === "l" ? this.links.linkFrom(origin, p, f[3], f[4]) : this.links.unlinkFrom(p, f[4]);
      }
      case "x": {
        if (f.length !== 7 || !(f[3] instanceof Pid) || !isPidOrNull(f[4]) || (f[6] !== 0 && f[6] !== 1)) {
          return this.conn.drop("bad exit");
        }
        const p = this.target(f[3]);
        if (p === null) return;
        if (f[6] === 1 && f[4] === null) return this.conn.drop("bad exit");
        return this.links.exitFrom(p, f[4], f[5], f[6] === 1);
      }
      case "g":
        if (!this.globals.receive(origin, this.conn.creation(origin)!, f.slice(3)))
          this.conn.drop("bad global name frame");
        return;
      default:
        return this.conn.drop("unknown kind");
    }
  }

  /** `node` went down (or its connection was reset): everything across it ends with `noconnection`. */
  private takeDown(node: string): void {
    this.calls.nodeDown(node);
    this.monitors.nodeDown(node);
    this.links.nodeDown(node);
    for (const [id, nm] of this.nodeMonitors) {
      if (nm.node !== node) continue;
      this.nodeMonitors.delete(id);
      unwatch(nm.exit);
      nm.watcher.rt.scheduler.deliver(nm.watcher, new NodeDown(nm.ref, node));
    }
    this.globals.nodeDown(node);
  }

  /** The live process of this node a frame names (a pid of another node names none here). */
  private target(pid: Pid): Proc | null {
    return pid.node === this.rt.node ? this.local(pid) : null;
  }
}
