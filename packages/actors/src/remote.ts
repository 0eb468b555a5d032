import type { ExitReason } from "./behaviour.js";
import { CallError, CallRequest, CastRequest, callProc, expectReply } from "./call.js";
import type { Clock } from "./clock.js";
import { outsideContext } from "./context.js";
import { describeValue } from "./describe.js";
import { channels } from "./diagnostics.js";
import { GlobalNames } from "./global_names.js";
import { unwatch, watch } from "./links.js";
import type { Logger } from "./log.js";
import { Down } from "./messages.js";
import { Pid, Ref } from "./pid.js";
import type { Monitor, Proc } from "./process.js";
import type { SentCount, Transport, TransportHost } from "./transport.js";

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

interface OutCall {
  readonly node: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  timer: unknown;
}

interface OutMonitor {
  readonly watcher: Proc;
  readonly ref: Ref;
  readonly target: Pid;
}

/** The frames exchanged with one node (see `reset`). */
interface Peer {
  creation: number;
  /** Frames sent to it, and received from it, by sequence number. */
  sent: number;
  recv: number;
  /** What its previous heartbeat said it had sent us (checked at its next one). */
  claim: number;
  /** This node took it down (timeout, goodbye) since they last talked: it must reset its side too. */
  wasDown: boolean;
}

interface RemoteLink {
  readonly local: Proc;
  readonly remote: Pid;
  readonly watch: Monitor;
}

/** The frame version this code writes and reads. */
const V = 2;
const MAX_NAME = 256;

// A frame is one array: [V, origin node, origin creation, destination creation, seq, kind, ...arguments],
// seq counting the frames from that incarnation of origin to this incarnation of this node (from 1). The
// creations keep two incarnations of one node name apart: a frame of (or for) an incarnation that is not
// the one up at both ends belongs to a link that is gone, and is dropped. The kinds:
//   "s" to msg                 a message                   "k" to req              a cast
//   "c" to from ref req        a call (from: Pid | null)
//   "r" ref 1 value null       its reply                   "r" ref 0 kind reason   its failure (noproc, exit)
//   "m" to watcher ref         a monitor                   "dm" to ref             its removal
//   "d" ref target reason      the monitor's DOWN
//   "l" to from                a link                      "ul" to from            its removal
//   "x" to from reason link    an exit signal (link 1: through a link, which it ends)
//   "z"                        the link lost frames: reset it (see `reset`)
//   "g" ...                    the global names (global_names.ts)

/**
 * A runtime's reach to other nodes: remote `send`, `call`, `cast`, monitors, links and node monitors over a
 * `Transport`, and the cluster's global names. Every runtime has one; without a transport every other node
 * is down, so remote pids behave as dead ones (monitors get `noconnection`).
 *
 * Pids cross nodes as data. A pid of this runtime that comes back from another node has no process attached
 * (`_p` null): it is found again by number among the processes whose pids left this node (`export`).
 */
export class Distribution implements TransportHost {
  private transport: Transport | null = null;
  /** The nodes that are up, with their incarnation. */
  private readonly up = new Map<string, number>();
  /** Every node talked to, up or not, with the frames counted each way. */
  private readonly peers = new Map<string, Peer>();
  /** This runtime's live processes whose pids left the node, by number. */
  private readonly exported = new Map<number, Proc>();
  private readonly calls = new Map<number, OutCall>();
  private readonly monitors = new Map<number, OutMonitor>();
  /** Other nodes' monitors on this node's processes, by watcher node and ref number. */
  private readonly served = new Map<string, Monitor>();
  /** Links between a process of this node and one of another node, by both. */
  private readonly links = new Map<string, RemoteLink>();
  private readonly nodeMonitors = new Map<number, { watcher: Proc; ref: Ref; node: string }>();
  readonly globals: GlobalNames;
  /** Frames from other nodes dropped as malformed. */
  dropped = 0;
  /** Frames that could not be sent (a reply or a signal the transport refused), logged once each kind. */
  sendErrors = 0;

  constructor(private readonly rt: DistRuntime) {
    this.globals = new GlobalNames(rt.node, {
      // One frame per node that is up, numbered with the rest: a name registered and then used arrives first.
      broadcast: (frame) => {
        for (const node of this.up.keys()) this.postQuietly(node, ["g", ...frame]);
      },
      send: (node, frame) => this.post(node, ["g", ...frame]),
      conflictLost: (p, name) => rt.signalExit(p, null, { global_name_conflict: name }, false),
    });
  }

  /** Connects the transport: see `Runtime.distribute`. */
  attach(t: Transport): TransportHost {
    if (this.transport !== null) {
      throw new Error(`distribute: runtime ${JSON.stringify(this.rt.node)} already has a transport`);
    }
    this.transport = t;
    return this;
  }

  /** The other nodes that are up now. */
  nodes(): string[] {
    return [...this.up.keys()];
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
    if (this.transport === null || p.rt !== (this.rt as unknown) || this.exported.has(p.pid.id)) return;
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
    if (this.up.get(pid.node) === pid.creation) this.post(pid.node, ["s", pid, msg]);
  }

  /** `cast` to a pid with no process attached here. */
  cast(pid: Pid, req: unknown): void {
    if (!this.isRemote(pid)) {
      const p = this.local(pid);
      if (p !== null) p.rt.scheduler.deliver(p, new CastRequest(req));
      return;
    }
    if (this.up.get(pid.node) === pid.creation) this.post(pid.node, ["k", pid, req]);
  }

  /**
   * `call` to a pid with no process attached here. Throws (a codec error) before sending a request that
   * cannot travel; rejects with `noconnection` when the node is down or goes down before the reply.
   */
  call(pid: Pid, req: unknown, timeoutMs: number, caller: Proc | null): Promise<any> {
    if (!this.isRemote(pid)) return callProc(this.local(pid), pid, req, timeoutMs);
    const creation = this.up.get(pid.node);
    if (creation === undefined) {
      return Promise.reject(
        new CallError("noconnection", "noconnection", `call: the node of ${pid} (${pid.node}) is not up`),
      );
    }
    if (creation !== pid.creation) {
      return Promise.reject(
        new CallError("noproc", "noproc", `call: ${pid} is not alive (its node ${pid.node} restarted)`),
      );
    }
    const ref = new Ref();
    this.post(pid.node, ["c", pid, caller?.pid ?? null, ref.id, req]);
    return new Promise((resolve, reject) => {
      const oc: OutCall = { node: pid.node, resolve, reject, timer: null };
      this.calls.set(ref.id, oc);
      if (timeoutMs === Number.POSITIVE_INFINITY) return;
      const clock = this.rt.clock;
      oc.timer = outsideContext(() =>
        clock.setTimeout(() => {
          if (this.calls.delete(ref.id)) {
            reject(new CallError("timeout", undefined, `call: no reply from ${pid} within ${timeoutMs} ms`));
          }
        }, timeoutMs),
      );
    });
  }

  /** `monitor` of a pid with no process attached here, by `watcher`. */
  monitor(watcher: Proc, pid: Pid): Ref {
    const ref = new Ref();
    const creation = this.up.get(pid.node);
    if (!this.isRemote(pid) || creation !== pid.creation) {
      // A dead pid of this node, a pid of a restarted node, or a node that is down.
      const reason = this.isRemote(pid) && creation === undefined ? "noconnection" : "noproc";
      watcher.rt.scheduler.deliver(watcher, new Down(ref, pid, reason));
      return ref;
    }
    this.monitors.set(ref.id, { watcher, ref, target: pid });
    this.post(pid.node, ["m", pid, watcher.pid, ref.id]);
    return ref;
  }

  /** Removes a monitor of a remote pid; false if `ref` is not one. */
  demonitor(ref: Ref): boolean {
    const m = this.monitors.get(ref.id);
    if (m === undefined) return false;
    this.monitors.delete(ref.id);
    this.postQuietly(m.target.node, ["dm", m.target, ref.id]);
    return true;
  }

  /** Links `me` with a pid with no process attached here. */
  link(me: Proc, pid: Pid): void {
    const creation = this.up.get(pid.node);
    if (!this.isRemote(pid) || creation !== pid.creation) {
      const reason = this.isRemote(pid) && creation === undefined ? "noconnection" : "noproc";
      this.rt.signalExit(me, pid, reason, true);
      return;
    }
    const key = linkKey(me.pid, pid);
    if (this.links.has(key)) return;
    const w = watch(me, (reason) => {
      this.links.delete(key);
      this.postReason(pid.node, (r) => ["x", pid, me.pid, r, 1], reason);
    });
    this.links.set(key, { local: me, remote: pid, watch: w });
    this.post(pid.node, ["l", pid, me.pid]);
  }

  /** Removes the link between `me` and a remote pid, if any. */
  unlink(me: Proc, pid: Pid): void {
    const key = linkKey(me.pid, pid);
    const l = this.links.get(key);
    if (l === undefined) return;
    unwatch(l.watch);
    this.links.delete(key);
    this.postQuietly(pid.node, ["ul", pid, me.pid]);
  }

  /** `exit(pid, reason)` for a remote pid. */
  exit(pid: Pid, from: Pid | null, reason: ExitReason): void {
    if (this.up.get(pid.node) === pid.creation) {
      this.postReason(pid.node, (r) => ["x", pid, from, r, 0], reason);
    }
  }

  /** Tells `watcher` (a `NodeDown` message) when `node` goes down; at once if it is not up. */
  monitorNode(watcher: Proc, node: string): Ref {
    const ref = new Ref();
    if (this.up.has(node)) this.nodeMonitors.set(ref.id, { watcher, ref, node });
    else watcher.rt.scheduler.deliver(watcher, new NodeDown(ref, node));
    return ref;
  }

  /** Removes a node monitor; false if there was none. */
  demonitorNode(ref: Ref): boolean {
    return this.nodeMonitors.delete(ref.id);
  }

  /** Counters for `Runtime.stats`-like views and tests. */
  stats(): Record<string, number> {
    return {
      nodes: this.up.size,
      exported: this.exported.size,
      pendingCalls: this.calls.size,
      monitors: this.monitors.size,
      served: this.served.size,
      links: this.links.size,
      globalNames: this.globals.size,
      dropped: this.dropped,
      sendErrors: this.sendErrors,
    };
  }

  private post(node: string, frame: unknown[]): void {
    const t = this.transport;
    const peer = this.peers.get(node);
    if (t === null || peer === undefined) return;
    // Numbered only once it is sent: a frame the transport refuses (it throws) leaves no gap.
    t.send(node, [V, this.rt.node, this.rt.creation, peer.creation, peer.sent + 1, ...frame]);
    peer.sent++;
  }

  /**
   * The frames this node has sent to each other node, with the incarnation they went to (its heartbeat
   * carries them: see `claimed`). A count for an earlier incarnation means nothing to the new one.
   */
  sentCounts(): Record<string, SentCount> {
    const out: Record<string, SentCount> = {};
    for (const [node, p] of this.peers) out[node] = [p.creation, p.sent];
    return out;
  }

  /**
   * `node` said it has sent this node `count` frames. If fewer had arrived by its previous claim (a period
   * ago, time enough for frames on another channel to catch up), some were lost: the link is reset.
   */
  claimed(node: string, count: number): void {
    const p = this.peers.get(node);
    if (p === undefined || this.up.get(node) !== p.creation) return;
    if (p.recv < p.claim) {
      p.recv = p.claim;
      this.reset(node, true);
    }
    p.claim = count;
  }

  /**
   * Frames between this node and `node` were lost. As when an Erlang connection drops, everything across it
   * ends as if the node went down (calls reject, monitors fire, links break, with `noconnection`) and starts
   * afresh: nothing is left waiting for a frame that will never come. With `tell`, the other node is told to
   * do the same for its side (a "z" frame).
   */
  private reset(node: string, tell: boolean): void {
    const creation = this.up.get(node);
    if (creation === undefined) return;
    this.rt.logger.log(
      "warn",
      `distribution on ${this.rt.node}: frames to or from ${node} were lost; link reset`,
    );
    this.takeDown(node);
    this.markUp(node, creation);
    if (tell) this.postQuietly(node, ["z"]);
  }

  /** Sends a frame nobody waits on to throw: a failure is counted and logged (the first of each run). */
  private postQuietly(node: string, frame: unknown[]): void {
    try {
      this.post(node, frame);
    } catch (err) {
      if (this.sendErrors++ === 0 || this.sendErrors % 100 === 0) {
        this.rt.logger.log(
          "error",
          `distribution on ${this.rt.node}: could not send a ${String(frame[0])} to ${node}: ${String(err)} (${this.sendErrors} so far)`,
        );
      }
    }
  }

  /** Sends a frame carrying an exit reason; one the transport cannot carry travels as its description. */
  private postReason(node: string, build: (reason: unknown) => unknown[], reason: ExitReason): void {
    try {
      this.post(node, build(portable(reason)));
    } catch {
      this.postQuietly(node, build(describeValue(reason)));
    }
  }

  // Incoming -------------------------------------------------------------------------------------------------

  /** A frame from another node: checked, then applied; a malformed one is dropped and counted. */
  receive(f: unknown): void {
    if (
      !Array.isArray(f) ||
      f[0] !== V ||
      !isName(f[1]) ||
      f[1] === this.rt.node ||
      !Number.isSafeInteger(f[2]) ||
      !Number.isSafeInteger(f[3]) ||
      !isRefId(f[4]) ||
      typeof f[5] !== "string"
    ) {
      return this.drop("not a frame");
    }
    const origin = f[1] as string;
    const peer = this.peers.get(origin);
    // Frames from a node that is not up here are dropped: it will be told to reset when it is. So are those
    // of another incarnation than the one up here (the old one's, late; or the new one's, before its first
    // heartbeat), and those sent to an earlier incarnation of this node: their numbering is another link's.
    if (peer === undefined || this.up.get(origin) !== peer.creation) return;
    if (f[2] !== peer.creation || f[3] !== this.rt.creation) return;
    const seq = f[4] as number;
    if (seq <= peer.recv) return; // a duplicate, or a frame given up as lost: at most once
    const lost = seq > peer.recv + 1;
    peer.recv = seq;
    if (lost) this.reset(origin, true);
    f.splice(2, 3);
    this.apply(origin, f);
  }

  /** Applies a frame (its creations and sequence number taken out): `[V, origin, kind, ...arguments]`. */
  private apply(origin: string, f: unknown[]): void {
    switch (f[2]) {
      case "z":
        return this.reset(origin, false);
      case "s":
      case "k": {
        if (f.length !== 5 || !(f[3] instanceof Pid)) return this.drop("bad send");
        const p = this.target(f[3]);
        if (p !== null) p.rt.scheduler.deliver(p, f[2] === "s" ? f[4] : new CastRequest(f[4]));
        return;
      }
      case "c": {
        if (f.length !== 7 || !(f[3] instanceof Pid) || !isPidOrNull(f[4]) || !isRefId(f[5])) {
          return this.drop("bad call");
        }
        const p = this.target(f[3]);
        if (p === null) this.postQuietly(origin, ["r", f[5], 0, "noproc", "noproc"]);
        else this.serveCall(origin, p, f[4], f[5], f[6]);
        return;
      }
      case "r":
        if (f.length !== 7 || !isRefId(f[3]) || (f[4] !== 0 && f[4] !== 1)) return this.drop("bad reply");
        if (f[4] === 0 && f[5] !== "noproc" && f[5] !== "exit") return this.drop("bad reply");
        return this.settleCall(origin, f[3], f[4] === 1, f[5], f[6]);
      case "m": {
        if (f.length !== 6 || !(f[3] instanceof Pid) || !(f[4] instanceof Pid) || !isRefId(f[5])) {
          return this.drop("bad monitor");
        }
        const target = f[3];
        const refId = f[5];
        const p = this.target(target);
        if (p === null) return this.postQuietly(origin, ["d", refId, target, "noproc"]);
        const key = `${origin}\0${refId}`;
        if (this.served.has(key)) return;
        this.served.set(
          key,
          watch(p, (reason) => {
            this.served.delete(key);
            this.postReason(origin, (r) => ["d", refId, target, r], reason);
          }),
        );
        return;
      }
      case "dm": {
        if (f.length !== 5 || !isRefId(f[4])) return this.drop("bad demonitor");
        const key = `${origin}\0${f[4]}`;
        const w = this.served.get(key);
        if (w !== undefined) {
          unwatch(w);
          this.served.delete(key);
        }
        return;
      }
      case "d": {
        if (f.length !== 6 || !isRefId(f[3]) || !(f[4] instanceof Pid)) return this.drop("bad down");
        const m = this.monitors.get(f[3]);
        // Exactly once: the entry goes with the first DOWN (or with the node, as noconnection).
        if (m === undefined || m.target.node !== origin || !m.target.equals(f[4])) return;
        this.monitors.delete(f[3]);
        m.watcher.rt.scheduler.deliver(m.watcher, new Down(m.ref, m.target, f[5]));
        return;
      }
      case "l":
      case "ul": {
        if (f.length !== 5 || !(f[3] instanceof Pid) || !(f[4] instanceof Pid) || f[4].node !== origin) {
          return this.drop("bad link");
        }
        return f[2] === "l" ? this.linkFrom(origin, f[3], f[4]) : this.unlinkFrom(f[3], f[4]);
      }
      case "x": {
        if (f.length !== 7 || !(f[3] instanceof Pid) || !isPidOrNull(f[4]) || (f[6] !== 0 && f[6] !== 1)) {
          return this.drop("bad exit");
        }
        const p = this.target(f[3]);
        if (p === null) return;
        if (f[6] === 1) {
          // Through a link: only if the link still stands (else the signal is dropped, as in Erlang).
          const from = f[4];
          if (from === null) return this.drop("bad exit");
          const l = this.links.get(linkKey(p.pid, from));
          if (l === undefined) return;
          unwatch(l.watch);
          this.links.delete(linkKey(p.pid, from));
          return this.rt.signalExit(p, from, f[5], true);
        }
        return this.rt.signalExit(p, f[4], f[5], false);
      }
      case "g":
        if (!this.globals.receive(origin, this.up.get(origin)!, f.slice(3)))
          this.drop("bad global name frame");
        return;
      default:
        return this.drop("unknown kind");
    }
  }

  nodeUp(node: string, creation: number): void {
    if (node === this.rt.node) return;
    const was = this.up.get(node);
    if (was === creation) return;
    // A new incarnation: the old one is gone, with its processes.
    if (was !== undefined) this.nodeDown(node);
    let peer = this.peers.get(node);
    if (peer === undefined || peer.creation !== creation) {
      peer = { creation, sent: 0, recv: 0, claim: 0, wasDown: false };
      this.peers.set(node, peer);
    }
    this.markUp(node, creation);
    // This node dropped its side of the link while it was down; the other may not have noticed.
    if (peer.wasDown) {
      peer.wasDown = false;
      this.postQuietly(node, ["z"]);
    }
  }

  private markUp(node: string, creation: number): void {
    this.up.set(node, creation);
    if (channels.nodeUp.hasSubscribers) channels.nodeUp.publish({ node, creation });
    this.globals.nodeUp(node);
  }

  nodeDown(node: string): void {
    this.takeDown(node);
    const peer = this.peers.get(node);
    if (peer !== undefined) peer.wasDown = true;
  }

  private takeDown(node: string): void {
    if (!this.up.delete(node)) return;
    for (const [id, oc] of this.calls) {
      if (oc.node !== node) continue;
      this.calls.delete(id);
      this.rt.clock.clearTimeout(oc.timer);
      oc.reject(new CallError("noconnection", "noconnection", `call: node ${node} went down`));
    }
    for (const [id, m] of this.monitors) {
      if (m.target.node !== node) continue;
      this.monitors.delete(id);
      m.watcher.rt.scheduler.deliver(m.watcher, new Down(m.ref, m.target, "noconnection"));
    }
    const prefix = `${node}\0`;
    for (const [key, w] of this.served) {
      if (!key.startsWith(prefix)) continue;
      unwatch(w);
      this.served.delete(key);
    }
    for (const [key, l] of this.links) {
      if (l.remote.node !== node) continue;
      unwatch(l.watch);
      this.links.delete(key);
      this.rt.signalExit(l.local, l.remote, "noconnection", true);
    }
    for (const [id, nm] of this.nodeMonitors) {
      if (nm.node !== node) continue;
      this.nodeMonitors.delete(id);
      nm.watcher.rt.scheduler.deliver(nm.watcher, new NodeDown(nm.ref, node));
    }
    this.globals.nodeDown(node);
    if (channels.nodeDown.hasSubscribers) channels.nodeDown.publish({ node });
  }

  close(): void {
    for (const node of [...this.up.keys()]) this.nodeDown(node);
    this.transport = null;
  }

  private target(pid: Pid): Proc | null {
    return pid.node === this.rt.node ? this.local(pid) : null;
  }

  private serveCall(origin: string, p: Proc, from: Pid | null, refId: number, req: unknown): void {
    const ref = new Ref();
    let w: Monitor | null = null;
    const withdraw = expectReply(ref, p.rt.clock, (value) => {
      if (w !== null) unwatch(w);
      try {
        this.post(origin, ["r", refId, 1, value, null]);
      } catch (err) {
        // The server's reply cannot travel: the caller gets an error now, not a timeout later.
        const reason = { error: `the reply could not be sent to ${origin}: ${String(err)}` };
        this.postQuietly(origin, ["r", refId, 0, "exit", reason]);
      }
    });
    w = watch(p, (reason) => {
      if (withdraw()) this.postReason(origin, (r) => ["r", refId, 0, "exit", r], reason);
    });
    p.rt.scheduler.deliver(p, new CallRequest(req, { pid: from, ref }));
  }

  private settleCall(origin: string, refId: number, ok: boolean, value: unknown, reason: unknown): void {
    const oc = this.calls.get(refId);
    // A late reply (the call timed out) or one from the wrong node is dropped: a call settles once.
    if (oc === undefined || oc.node !== origin) return;
    this.calls.delete(refId);
    this.rt.clock.clearTimeout(oc.timer);
    if (ok) oc.resolve(value);
    else if (value === "noproc")
      oc.reject(new CallError("noproc", "noproc", "call: the process is not alive"));
    else oc.reject(new CallError("exit", reason, `call: the process exited with ${describeValue(reason)}`));
  }

  private linkFrom(origin: string, to: Pid, from: Pid): void {
    const p = this.target(to);
    if (p === null) return this.postQuietly(origin, ["x", from, to, "noproc", 1]);
    const key = linkKey(p.pid, from);
    if (this.links.has(key)) return;
    const w = watch(p, (reason) => {
      this.links.delete(key);
      this.postReason(origin, (r) => ["x", from, p.pid, r, 1], reason);
    });
    this.links.set(key, { local: p, remote: from, watch: w });
  }

  private unlinkFrom(to: Pid, from: Pid): void {
    const p = this.target(to);
    if (p === null) return;
    const key = linkKey(p.pid, from);
    const l = this.links.get(key);
    if (l === undefined) return;
    unwatch(l.watch);
    this.links.delete(key);
  }

  private drop(why: string): void {
    if (this.dropped++ % 100 === 0) {
      this.rt.logger.log(
        "warn",
        `distribution on ${this.rt.node}: dropped a frame from another node (${why}); ${this.dropped} so far`,
      );
    }
  }
}

/** An exit reason as it travels: a crash's Error becomes `{ error: { name, message } }`. */
function portable(reason: ExitReason): unknown {
  if (typeof reason === "object" && reason !== null && "error" in reason) {
    const e = (reason as { error: unknown }).error;
    if (e instanceof Error) return { error: { name: e.name, message: e.message } };
  }
  return reason;
}

function linkKey(local: Pid, remote: Pid): string {
  return `${local.id}\0${remote.node}\0${remote.creation}\0${remote.id}`;
}

function isName(x: unknown): x is string {
  return typeof x === "string" && x !== "" && x.length <= MAX_NAME;
}

function isPidOrNull(x: unknown): x is Pid | null {
  return x === null || x instanceof Pid;
}

function isRefId(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) > 0;
}
