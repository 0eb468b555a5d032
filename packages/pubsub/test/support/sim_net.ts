/**
 * A simulated network for nodes in one Node process: an adapter whose messages wait in flight until the test
 * delivers them, in any order, loses them, duplicates them, or cuts links (partitions). Messages cross as
 * the Redis adapter carries them (through `jsonCodec`), so nothing is shared by reference between nodes.
 */

import type { Pid } from "@cinder/actors";
import { type Adapter, type AdapterHost, jsonCodec } from "@cinder/pubsub";

interface InFlight {
  from: string;
  to: string;
  topic: string;
  data: unknown;
}

export class SimNet {
  private readonly hosts = new Map<string, AdapterHost>();
  private readonly cut = new Set<string>();
  inflight: InFlight[] = [];
  /** Messages lost to a cut link or `lose`. */
  lost = 0;

  adapter(): Adapter {
    let me: AdapterHost | null = null;
    return {
      kind: "sim",
      start: (host) => {
        me = host;
        this.hosts.set(host.node, host);
      },
      broadcast: (topic, message, _from: Pid | null) => {
        if (this.hosts.get(me!.node) !== me) return undefined; // crashed: it sends nothing more
        const data = jsonCodec.encode(message);
        for (const to of this.hosts.keys()) if (to !== me!.node) this.post(me!.node, to, topic, data);
        return undefined;
      },
      directBroadcast: (node, topic, message) => {
        if (this.hosts.get(me!.node) !== me) return undefined;
        const data = jsonCodec.encode(message);
        if (this.hosts.has(node)) this.post(me!.node, node, topic, data);
        return undefined;
      },
      stop: () => {
        if (me !== null && this.hosts.get(me.node) === me) this.hosts.delete(me.node);
      },
    };
  }

  private post(from: string, to: string, topic: string, data: unknown): void {
    if (this.isCut(from, to)) this.lost++;
    else this.inflight.push({ from, to, topic, data });
  }

  private isCut(a: string, b: string): boolean {
    return this.cut.has(`${a}|${b}`) || this.cut.has(`${b}|${a}`);
  }

  /** Cuts the link between `a` and `b` both ways: messages in flight on it are lost, and new ones too. */
  partition(a: string, b: string): void {
    this.cut.add(`${a}|${b}`);
    const keep: InFlight[] = [];
    for (const m of this.inflight) {
      if ((m.from === a && m.to === b) || (m.from === b && m.to === a)) this.lost++;
      else keep.push(m);
    }
    this.inflight = keep;
  }

  /** Cuts every link of `node` for good (it crashed, as far as the others can tell). */
  isolate(node: string): void {
    for (const other of this.hosts.keys()) if (other !== node) this.partition(node, other);
    this.dead.add(node);
  }

  private readonly dead = new Set<string>();

  /**
   * Kills `node` hard (no goodbye): it sends and receives nothing more, and what it had sent is still in
   * flight (it may arrive late). A node started later under the same name is another host.
   */
  crash(node: string): void {
    this.hosts.delete(node);
  }

  /** Restores every link but those of isolated nodes. */
  heal(): void {
    for (const k of [...this.cut]) {
      const [a, b] = k.split("|");
      if (!this.dead.has(a) && !this.dead.has(b)) this.cut.delete(k);
    }
  }

  /** Delivers the message at `i` (out of order if `i` is not 0); with `keep`, a copy stays in flight (a duplicate). */
  deliver(i: number, keep = false): void {
    const m = this.inflight[i];
    if (m === undefined) return;
    if (!keep) this.inflight.splice(i, 1);
    this.hosts.get(m.to)?.deliver(m.topic, jsonCodec.decode(m.data), null);
  }

  /** Loses the message at `i`. */
  lose(i: number): void {
    if (this.inflight[i] === undefined) return;
    this.inflight.splice(i, 1);
    this.lost++;
  }

  /** Delivers everything in flight, in order (what was sent meanwhile waits for the next call). */
  deliverAll(): void {
    const batch = this.inflight;
    this.inflight = [];
    for (const m of batch) this.hosts.get(m.to)?.deliver(m.topic, jsonCodec.decode(m.data), null);
  }
}
