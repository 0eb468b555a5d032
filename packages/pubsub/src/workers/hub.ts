import { consoleLogger, type LogFunction, type Logger, toLogger } from "@cinder/actors";
import { DropCounter } from "../drop_counter.js";
import type { IpcChannel } from "./ipc_channel.js";
import { isTagged, TAG, type ToHub, type ToWorker, toHub } from "./ipc_messages.js";

/** One node of one pubsub, living in a worker behind `conn`. */
interface Member {
  readonly name: string;
  readonly node: string;
  readonly conn: Connection;
  readonly topics: Set<string>;
}

interface Connection {
  readonly channel: IpcChannel;
  readonly members: Set<Member>;
}

/** Options for a {@link WorkersHub}. */
export interface WorkersHubOptions {
  /** Where refused messages are logged (rate-limited per kind; default stderr, filtered by `LOG_LEVEL`). */
  logger?: Logger | LogFunction;
}

/** The hub's counters. */
export interface WorkersHubStats {
  /** Channels connected now (one per live worker). */
  channels: number;
  /** Nodes joined now, every pubsub together. */
  nodes: number;
  /** Envelopes relayed, counted once per receiving node. */
  relayed: number;
  /** Messages refused: not of the protocol's shape, or sent for a node the channel had not joined. */
  dropped: number;
}

/**
 * The primary's relay for the `workers()` adapter: every worker's channel connects here, and an envelope a
 * node sends goes to the other nodes of its pubsub that have subscribers to its topic (or to the one node a
 * direct broadcast names). It owns the node names: a name is taken while a live worker holds it, and freed
 * when that worker leaves or its channel closes. The hub relays envelopes as text, unopened: each receiving
 * worker checks them against its limits, as a Redis node does.
 */
export class WorkersHub {
  private readonly nodes = new Map<string, Map<string, Member>>();
  /** pubsub name, then topic, then the nodes with subscribers to it. */
  private readonly interest = new Map<string, Map<string, Set<Member>>>();
  private readonly conns = new Set<Connection>();
  private readonly drops: DropCounter;
  private readonly counters = { relayed: 0, dropped: 0 };

  constructor(opts: WorkersHubOptions = {}) {
    const logger = toLogger(opts.logger ?? consoleLogger(), "WorkersHub");
    this.drops = new DropCounter((line) => logger.log("warn", `workers hub: ${line}`));
  }

  /**
   * Relays for the nodes of a worker's channel from now on. Call the returned function when the channel
   * closes (the worker exited): its nodes leave and their names are free again.
   */
  connect(channel: IpcChannel): () => void {
    const conn: Connection = { channel, members: new Set() };
    this.conns.add(conn);
    const stop = channel.listen((m) => {
      if (!isTagged(m)) return; // the app's own message
      const msg = toHub(m);
      if (msg === null) return this.drop("malformed", "a message that is not of the workers protocol");
      this.handle(conn, msg);
    });
    return () => {
      stop();
      if (!this.conns.delete(conn)) return;
      for (const member of conn.members) this.remove(member);
    };
  }

  stats(): WorkersHubStats {
    let nodes = 0;
    for (const m of this.nodes.values()) nodes += m.size;
    return { channels: this.conns.size, nodes, ...this.counters };
  }

  private handle(conn: Connection, msg: ToHub): void {
    const byNode = this.nodes.get(msg.name);
    if (msg.op === "join") {
      const ok = byNode?.get(msg.node) === undefined;
      if (ok) {
        const member: Member = { name: msg.name, node: msg.node, conn, topics: new Set() };
        if (byNode === undefined) this.nodes.set(msg.name, new Map([[msg.node, member]]));
        else byNode.set(msg.node, member);
        conn.members.add(member);
      }
      reply(conn, { cinder: TAG, op: "joined", name: msg.name, node: msg.node, ref: msg.ref, ok });
      return;
    }
    if (msg.op === "sync") {
      // The channel is in order: everything this worker sent before is in effect now.
      reply(conn, { cinder: TAG, op: "synced", name: msg.name, node: msg.node, ref: msg.ref });
      return;
    }
    const member = byNode?.get(msg.node);
    if (member === undefined || member.conn !== conn) {
      this.drop("notJoined", `a ${msg.op} for node ${quote(msg.node)}, which this worker has not joined`);
      return;
    }
    switch (msg.op) {
      case "leave":
        this.remove(member);
        return;
      case "sub":
        this.subscribe(member, msg.topic);
        return;
      case "unsub":
        this.unsubscribe(member, msg.topic);
        return;
      case "send":
        this.relay(member, msg.to, msg.topic, msg.data);
    }
  }

  private relay(from: Member, to: string | null, topic: string, data: string): void {
    if (to !== null) {
      const target = this.nodes.get(from.name)?.get(to);
      if (target === undefined) return; // an unknown node: not an error, nobody gets it
      this.forward(target, `n:${to}`, data);
      return;
    }
    const members = this.interest.get(from.name)?.get(topic);
    if (members === undefined) return;
    const channel = `t:${topic}`;
    for (const m of members) if (m !== from) this.forward(m, channel, data);
  }

  private forward(to: Member, channel: string, data: string): void {
    // A closed channel belongs to a worker that is exiting: what it misses, it would have lost anyway.
    if (to.conn.channel.send({ cinder: TAG, op: "env", name: to.name, node: to.node, channel, data }))
      this.counters.relayed++;
  }

  private subscribe(member: Member, topic: string): void {
    member.topics.add(topic);
    let topics = this.interest.get(member.name);
    if (topics === undefined) this.interest.set(member.name, (topics = new Map()));
    const set = topics.get(topic);
    if (set === undefined) topics.set(topic, new Set([member]));
    else set.add(member);
  }

  private unsubscribe(member: Member, topic: string): void {
    member.topics.delete(topic);
    const topics = this.interest.get(member.name);
    const set = topics?.get(topic);
    if (set === undefined) return;
    set.delete(member);
    if (set.size === 0) topics?.delete(topic);
  }

  private remove(member: Member): void {
    for (const topic of [...member.topics]) this.unsubscribe(member, topic);
    member.conn.members.delete(member);
    const byNode = this.nodes.get(member.name);
    if (byNode?.get(member.node) === member) byNode.delete(member.node);
    if (byNode?.size === 0) this.nodes.delete(member.name);
    if (this.interest.get(member.name)?.size === 0) this.interest.delete(member.name);
  }

  private drop(kind: string, detail: string): void {
    this.counters.dropped++;
    this.drops.drop(kind, detail);
  }
}

function reply(conn: Connection, msg: ToWorker): void {
  conn.channel.send(msg);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}
