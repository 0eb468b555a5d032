import { CallError, CallRequest, expectReply } from "./call.js";
import type { Connections } from "./connections.js";
import { outsideContext } from "./context.js";
import { describeValue } from "./describe.js";
import { unwatch, watch } from "./links.js";
import { type Pid, Ref } from "./pid.js";
import type { Monitor, Proc } from "./process.js";
import type { DistRuntime } from "./remote.js";

interface OutCall {
  readonly node: string;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  timer: unknown;
}

/**
 * Calls across nodes: this node's calls waiting for a reply from another node ("c" out, "r" in), and other
 * nodes' calls to this node's processes ("c" in, "r" out). A call settles once: by its reply, its timeout,
 * or `noconnection` when the node goes down first.
 */
export class RemoteCalls {
  /** This node's calls waiting for a reply, by ref number. */
  private readonly pending = new Map<number, OutCall>();

  constructor(
    private readonly rt: DistRuntime,
    private readonly conn: Connections,
  ) {}

  /** Calls waiting for a reply. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * `call` to a pid of another node. Throws (a codec error) before sending a request that cannot travel;
   * rejects with `noconnection` when the node is down or goes down before the reply.
   */
  call(pid: Pid, req: unknown, timeoutMs: number, caller: Proc | null): Promise<any> {
    const creation = this.conn.creation(pid.node);
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
    this.conn.post(pid.node, ["c", pid, caller?.pid ?? null, ref.id, req]);
    return new Promise((resolve, reject) => {
      const oc: OutCall = { node: pid.node, resolve, reject, timer: null };
      this.pending.set(ref.id, oc);
      if (timeoutMs === Number.POSITIVE_INFINITY) return;
      const clock = this.rt.clock;
      oc.timer = outsideContext(() =>
        clock.setTimeout(() => {
          if (this.pending.delete(ref.id)) {
            reject(new CallError("timeout", undefined, `call: no reply from ${pid} within ${timeoutMs} ms`));
          }
        }, timeoutMs),
      );
    });
  }

  /** A call from `origin` to `p` (null: not alive here): the reply, or the failure, goes back to it. */
  serve(origin: string, p: Proc | null, from: Pid | null, refId: number, req: unknown): void {
    if (p === null) return this.conn.postQuietly(origin, ["r", refId, 0, "noproc", "noproc"]);
    const ref = new Ref();
    let w: Monitor | null = null;
    const withdraw = expectReply(ref, p.rt.clock, (value) => {
      if (w !== null) unwatch(w);
      try {
        this.conn.post(origin, ["r", refId, 1, value, null]);
      } catch (err) {
        // The server's reply cannot travel: the caller gets an error now, not a timeout later.
        const reason = { error: `the reply could not be sent to ${origin}: ${String(err)}` };
        this.conn.postQuietly(origin, ["r", refId, 0, "exit", reason]);
      }
    });
    w = watch(p, (reason) => {
      if (withdraw()) this.conn.postReason(origin, (r) => ["r", refId, 0, "exit", r], reason);
    });
    p.rt.scheduler.deliver(p, new CallRequest(req, { pid: from, ref }));
  }

  /** The reply (`ok`) or failure (`value` "noproc" or "exit", with `reason`) from `origin` to a call. */
  settle(origin: string, refId: number, ok: boolean, value: unknown, reason: unknown): void {
    const oc = this.pending.get(refId);
    // A late reply (the call timed out) or one from the wrong node is dropped: a call settles once.
    if (oc === undefined || oc.node !== origin) return;
    this.pending.delete(refId);
    this.rt.clock.clearTimeout(oc.timer);
    if (ok) oc.resolve(value);
    else if (value === "noproc")
      oc.reject(new CallError("noproc", "noproc", "call: the process is not alive"));
    else oc.reject(new CallError("exit", reason, `call: the process exited with ${describeValue(reason)}`));
  }

  /** `node` went down: the calls waiting on it reject with `noconnection`. */
  nodeDown(node: string): void {
    for (const [id, oc] of this.pending) {
      if (oc.node !== node) continue;
      this.pending.delete(id);
      this.rt.clock.clearTimeout(oc.timer);
      oc.reject(new CallError("noconnection", "noconnection", `call: node ${node} went down`));
    }
  }
}
