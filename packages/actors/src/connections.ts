import type { ExitReason } from "./behaviour.js";
import { describeValue } from "./describe.js";
import { channels } from "./diagnostics.js";
import { FRAME_VERSION, isName, isRefId, portable } from "./frame.js";
import type { Logger } from "./log.js";
import type { SentCount, Transport, TransportHost } from "./transport.js";

/** What the connections tell the rest of the distribution (remote.ts). */
export interface ConnectionsHost {
  /** A frame from `origin`, in order, its creations and sequence number taken out: `[V, origin, kind, ...]`. */
  frame(origin: string, f: unknown[]): void;
  /** `node` is up (again): called once it counts as up. */
  up(node: string): void;
  /** `node` is down: everything across the connection ends (called once it no longer counts as up). */
  down(node: string): void;
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

/**
 * This node's connections to the others over a `Transport`: which nodes are up, in which incarnation, and the
 * frames numbered each way, so that duplicates are dropped and a loss resets the connection (see `reset`).
 * What the frames carry is remote.ts's business.
 */
export class Connections implements TransportHost {
  private transport: Transport | null = null;
  /** The nodes that are up, with their incarnation. */
  private readonly up = new Map<string, number>();
  /** Every node talked to, up or not, with the frames counted each way. */
  private readonly peers = new Map<string, Peer>();
  /** Frames from other nodes dropped as malformed. */
  dropped = 0;
  /** Frames that could not be sent (a reply or a signal the transport refused), logged once each kind. */
  sendErrors = 0;

  constructor(
    private readonly rt: { readonly node: string; readonly creation: number; readonly logger: Logger },
    private readonly host: ConnectionsHost,
  ) {}

  /** Connects the transport: see `Runtime.distribute`. */
  attach(t: Transport): TransportHost {
    if (this.transport !== null) {
      throw new Error(`distribute: runtime ${JSON.stringify(this.rt.node)} already has a transport`);
    }
    this.transport = t;
    return this;
  }

  /** Whether a transport is attached (without one, every other node is down). */
  get attached(): boolean {
    return this.transport !== null;
  }

  /** The incarnation of `node` that is up, or undefined if it is down. */
  creation(node: string): number | undefined {
    return this.up.get(node);
  }

  /** The other nodes that are up now. */
  upNodes(): IterableIterator<string> {
    return this.up.keys();
  }

  /** How many other nodes are up. */
  get size(): number {
    return this.up.size;
  }

  /** Sends a frame to `node`; throws what the transport throws (a frame it cannot carry). */
  post(node: string, frame: unknown[]): void {
    const t = this.transport;
    const peer = this.peers.get(node);
    if (t === null || peer === undefined) return;
    // Numbered only once it is sent: a frame the transport refuses (it throws) leaves no gap.
    t.send(node, [FRAME_VERSION, this.rt.node, this.rt.creation, peer.creation, peer.sent + 1, ...frame]);
    peer.sent++;
  }

  /** Sends a frame nobody waits on to throw: a failure is counted and logged (the first of each run). */
  postQuietly(node: string, frame: unknown[]): void {
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
  postReason(node: string, build: (reason: unknown) => unknown[], reason: ExitReason): void {
    try {
      this.post(node, build(portable(reason)));
    } catch {
      this.postQuietly(node, build(describeValue(reason)));
    }
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

  /** A frame from another node: its header checked, then passed on in order; a malformed one is dropped. */
  receive(f: unknown): void {
    if (
      !Array.isArray(f) ||
      f[0] !== FRAME_VERSION ||
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
    if (f[2] === "z") return this.reset(origin, false);
    this.host.frame(origin, f);
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
    this.host.up(node);
  }

  nodeDown(node: string): void {
    this.takeDown(node);
    const peer = this.peers.get(node);
    if (peer !== undefined) peer.wasDown = true;
  }

  private takeDown(node: string): void {
    if (!this.up.delete(node)) return;
    this.host.down(node);
    if (channels.nodeDown.hasSubscribers) channels.nodeDown.publish({ node });
  }

  close(): void {
    for (const node of [...this.up.keys()]) this.nodeDown(node);
    this.transport = null;
  }

  /** Counts (and now and then logs) a malformed frame from another node. */
  drop(why: string): void {
    if (this.dropped++ % 100 === 0) {
      this.rt.logger.log(
        "warn",
        `distribution on ${this.rt.node}: dropped a frame from another node (${why}); ${this.dropped} so far`,
      );
    }
  }
}
