import { randomUUID } from "node:crypto";
import type { Pid } from "@cinder/actors";
import { Redis, type RedisOptions } from "ioredis";
import type { Adapter, AdapterHost } from "./adapter.js";
import { ClusterKeys } from "./cluster_key.js";
import { type Codec, jsonCodec } from "./codec.js";
import { DropCounter } from "./drop_counter.js";
import { type DropReason, envelopeHead, envelopeItem } from "./envelope.js";
import { NodeNameTakenError } from "./errors.js";
import { type ReceiveLimits, resolveLimits } from "./limits.js";
import { checkEnvelopeBytes } from "./payload_check.js";
import { DROP_COUNTERS, Receiver } from "./receiver.js";
import type { RedisAdapterOptions, RedisAdapterStats } from "./redis_options.js";

export type { RedisAdapterOptions, RedisAdapterStats };

// Unlock the name only if this instance holds it; refresh it likewise (a name taken over is never touched).
const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const REFRESH =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

const SUBSCRIBE_CHUNK = 1000;

/**
 * Broadcasts to one topic made in the same microtask, sent as one envelope in one PUBLISH when the microtask
 * ends (or earlier, when a broadcast to another topic or channel comes: that keeps every publisher's order).
 */
interface Batch {
  channel: string;
  topic: string;
  text: string;
  /** UTF-8 bytes of `text` and the closing bracket. */
  bytes: number;
  count: number;
  sent: Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Redis names, for the pubsub `name` and node `node`:
 * - `{prefix}:{name}:t:{topic}`: a topic's channel. A node SUBSCRIBEs to it only while it has local
 *   subscribers to the topic, so a node receives only the topics it needs.
 * - `{prefix}:{name}:n:{node}`: the node's own channel, for `directBroadcast`. Being subscribed to it is also
 *   how a node shows it is alive (`PUBSUB NUMSUB`).
 * - `{prefix}:{name}:node:{node}`: a key holding the random id of the instance that owns the node name, with
 *   a TTL its heartbeat refreshes.
 */
class RedisAdapter implements Adapter {
  readonly kind = "redis";
  readonly serializes = true;
  private readonly url: string;
  private readonly codec: Codec;
  private readonly ttl: number;
  private readonly limits: ReceiveLimits;
  private readonly keys: ClusterKeys | null;
  private receiver: Receiver | null = null;
  private readonly instance = randomUUID();
  private host!: AdapterHost;
  private pub!: Redis;
  private sub!: Redis;
  private base = "";
  private topicPrefix = "";
  private nodeChannel = "";
  private nameKey = "";
  private started = false;
  private stopping = false;
  private down = false;
  private lastError = "";
  /** Its own refresh timer, until the node's heartbeat drives the refresh (see `heartbeat`). */
  private refreshTimer: NodeJS.Timeout | null = null;
  private lastRefresh = 0;
  /** The last SUBSCRIBE/UNSUBSCRIBE: they complete in order, so awaiting it awaits them all. */
  private lastSubOp: Promise<unknown> = Promise.resolve();
  /** Another live node holds our name (found after a reconnect); logged once until the claim succeeds. */
  private conflict = false;
  private batch: Batch | null = null;
  private readonly counters = {
    connected: false,
    published: 0,
    publishCommands: 0,
    received: 0,
    outages: 0,
    nameConflicts: 0,
  };

  constructor(private readonly opts: RedisAdapterOptions) {
    this.url = opts.url ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    this.codec = opts.codec ?? jsonCodec;
    this.ttl = opts.nameTtlMs ?? 15_000;
    if (!(this.ttl >= 100)) throw new TypeError(`redis: nameTtlMs must be a number >= 100, got ${this.ttl}`);
    this.limits = resolveLimits(opts.limits, "redis");
    this.keys = opts.clusterKey === undefined ? null : new ClusterKeys(opts.clusterKey, "redis");
  }

  async start(host: AdapterHost): Promise<void> {
    if (this.started) throw new Error("redis: this adapter is already started (make one per PubSub)");
    this.host = host;
    const base = (this.base = `${this.opts.prefix ?? "cinder"}:${host.name}`);
    this.topicPrefix = `${base}:t:`;
    this.nodeChannel = `${base}:n:${host.node}`;
    this.nameKey = `${base}:node:${host.node}`;
    const drops = new DropCounter((line, kind) =>
      host.logger.log(
        "warn",
        `${this.label()}: a message from Redis was ${line}; counted in stats().adapter.${DROP_COUNTERS[kind as DropReason]}`,
      ),
    );
    const receiver = new Receiver({
      codec: this.codec,
      limits: this.limits,
      keys: this.keys,
      node: host.node,
      topicPrefix: this.topicPrefix,
      nodeChannel: this.nodeChannel,
      drops,
    });
    this.receiver = receiver;
    const common: RedisOptions = {
      retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
      ...this.opts.redis,
      lazyConnect: true,
      // While disconnected, commands fail at once (a broadcast reports it) rather than queue for later.
      enableOfflineQueue: false,
      // Commands in flight when the connection drops fail then, instead of waiting for the reconnect...
      maxRetriesPerRequest: 0,
      // ...and are never resent: Redis may have run a PUBLISH whose reply was lost (at most once).
      autoResendUnfulfilledCommands: false,
    };
    this.pub = new Redis(this.url, { ...common, enableAutoPipelining: true, connectionName: `${base}:pub` });
    // The adapter resubscribes itself, from the topics that have subscribers at the time of the reconnect.
    this.sub = new Redis(this.url, { ...common, autoResubscribe: false, connectionName: `${base}:sub` });
    for (const c of [this.pub, this.sub]) {
      c.on("error", (err: Error) => {
        this.lastError = err.message;
      });
      c.on("close", () => this.lost());
      c.on("ready", () => this.ready());
    }
    // Buffers, not strings: a message's size is checked before it is decoded, its signature on its bytes.
    this.sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
      const e = receiver.receive(channel, message);
      if (e === null) return;
      const items = e.items;
      this.counters.received += items.length / 2;
      for (let i = 0; i < items.length; i += 2) host.deliver(e.topic, items[i + 1], items[i] as Pid | null);
    });
    try {
      await Promise.all([this.pub.connect(), this.sub.connect()]);
    } catch (err) {
      this.pub.disconnect();
      this.sub.disconnect();
      throw new Error(
        `redis: cannot connect to ${redact(this.url)}: ${err instanceof Error ? err.message : err}`,
      );
    }
    try {
      await this.claim(true);
    } catch (err) {
      this.pub.disconnect();
      this.sub.disconnect();
      throw err;
    }
    this.started = true;
    this.counters.connected = true;
    this.refreshTimer = setInterval(() => void this.refresh(), Math.max(50, Math.floor(this.ttl / 3)));
    this.refreshTimer.unref();
  }

  // -------------------------------------------------------------------------------------------------------------
  // The node name

  /**
   * Claims the node name. Subscribing to the node channel first makes this node visible to `PUBSUB NUMSUB`
   * before it claims; then `SET NX` either wins, or finds the key held. A held key whose node channel has
   * no other subscriber belongs to a node that died (its connection closed) without releasing it: take it
   * over. Otherwise a live node has the name: refuse. Two nodes starting together both see each other and
   * only the one whose SET NX won keeps going.
   */
  private async claim(initial: boolean): Promise<void> {
    await this.sub.subscribe(this.nodeChannel);
    let claimed = (await this.pub.set(this.nameKey, this.instance, "PX", this.ttl, "NX")) === "OK";
    if (!claimed) {
      const [, subscribers] = (await this.pub.pubsub("NUMSUB", this.nodeChannel)) as [
        string,
        number | string,
      ];
      if (Number(subscribers) <= 1) {
        await this.pub.set(this.nameKey, this.instance, "PX", this.ttl);
        claimed = true;
      }
    }
    if (claimed) {
      this.conflict = false;
      return;
    }
    if (initial) {
      await this.sub.unsubscribe(this.nodeChannel).catch(noop);
      throw new NodeNameTakenError(this.host.node, this.host.name);
    }
    // The heartbeat keeps trying (the other node may stop); say it once per conflict.
    if (this.conflict) return;
    this.conflict = true;
    this.counters.nameConflicts++;
    this.host.logger.log(
      "error",
      `${this.label()}: after reconnecting, another live node holds the node name ${JSON.stringify(this.host.node)}; ` +
        "both now get its direct broadcasts: stop one of them",
    );
  }

  /** The node's heartbeat ticked: it keeps the name's claim from now on, no timer of our own. */
  heartbeat(): void {
    if (this.refreshTimer !== null) {
      clearInterval(this.refreshTimer);
      this.refreshTimer = null;
    }
    if (Date.now() - this.lastRefresh >= this.ttl / 3) void this.refresh();
  }

  /** Keeps the claim alive, or claims again if it was lost (Redis restarted empty). */
  private async refresh(): Promise<void> {
    this.lastRefresh = Date.now();
    if (this.stopping || this.pub.status !== "ready") return;
    try {
      const ours = await this.pub.eval(REFRESH, 1, this.nameKey, this.instance, this.ttl);
      if (ours !== 1) await this.claim(false);
    } catch {
      // Disconnected meanwhile: the next "ready" claims again.
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Connection state

  private lost(): void {
    this.counters.connected = false;
    if (!this.started || this.stopping || this.down) return;
    this.down = true;
    this.counters.outages++;
    this.host.logger.log(
      "warn",
      `${this.label()}: lost the connection to Redis at ${redact(this.url)}` +
        `${this.lastError ? ` (${this.lastError})` : ""}; local delivery continues, broadcasts to other nodes ` +
        "fail and are counted until it is back; reconnecting",
    );
  }

  private ready(): void {
    if (!this.started || this.stopping) return;
    if (this.sub.status !== "ready" || this.pub.status !== "ready") return;
    this.counters.connected = true;
    // A fresh connection has no subscriptions: subscribe to what this node needs now.
    const channels = [this.nodeChannel];
    for (const t of this.host.topics()) channels.push(this.topicPrefix + t);
    for (let i = 0; i < channels.length; i += SUBSCRIBE_CHUNK) {
      this.lastSubOp = this.sub.subscribe(...channels.slice(i, i + SUBSCRIBE_CHUNK)).catch(noop);
    }
    void this.refresh();
    if (this.down) {
      this.down = false;
      this.host.logger.log(
        "info",
        `${this.label()}: reconnected to Redis; resubscribed ${plural(channels.length - 1, "topic")} and the node channel`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Sending and receiving

  broadcast(topic: string, message: unknown, from: Pid | null): Promise<unknown> {
    // Throws a CodecError before anything is sent, for what cannot travel or what receivers would refuse.
    const item = envelopeItem(this.codec, from, message, this.limits);
    return this.publish(this.topicPrefix + topic, "b", null, topic, item);
  }

  directBroadcast(node: string, topic: string, message: unknown, from: Pid | null): Promise<unknown> {
    const item = envelopeItem(this.codec, from, message, this.limits);
    return this.publish(`${this.base}:n:${node}`, "d", node, topic, item);
  }

  private publish(channel: string, kind: "b" | "d", target: string | null, topic: string, item: string) {
    const itemBytes = Buffer.byteLength(item);
    const max = this.limits.maxEnvelopeBytes;
    checkEnvelopeBytes(kind, this.host.node, target, topic, itemBytes, max);
    const status = this.pub.status;
    if (status !== "ready") {
      return Promise.reject(
        new Error(`the Redis connection is not ready (${status}${this.lastErrorText()})`),
      );
    }
    let b = this.batch;
    if (
      b !== null &&
      (b.channel !== channel ||
        b.topic !== topic ||
        b.count === this.limits.maxItems ||
        b.bytes + itemBytes > max)
    ) {
      this.flush();
      b = null;
    }
    if (b === null) {
      const head = envelopeHead(kind, this.host.node, target, topic);
      let resolve: (v: unknown) => void = noop;
      let reject: (err: unknown) => void = noop;
      const sent = new Promise<unknown>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      b = this.batch = {
        channel,
        topic,
        text: head,
        bytes: Buffer.byteLength(head) + 1,
        count: 0,
        sent,
        resolve,
        reject,
      };
      queueMicrotask(this.flush);
    }
    b.text += item;
    b.bytes += itemBytes;
    b.count++;
    this.counters.published++;
    return b.sent;
  }

  private readonly flush = (): void => {
    const b = this.batch;
    if (b === null) return;
    this.batch = null;
    this.counters.publishCommands++;
    const text = `${b.text}]`;
    this.pub
      .publish(b.channel, this.keys === null ? text : this.keys.sign(b.channel, text))
      .then(b.resolve, b.reject);
  };

  // -------------------------------------------------------------------------------------------------------------
  // Topic interest

  topicChanged(topic: string, present: boolean): void {
    // While disconnected there is nothing to change: "ready" subscribes to the topics of that moment.
    if (this.sub.status !== "ready") return;
    const channel = this.topicPrefix + topic;
    this.lastSubOp = (present ? this.sub.subscribe(channel) : this.sub.unsubscribe(channel)).catch(noop);
  }

  async sync(): Promise<void> {
    await this.lastSubOp;
  }

  stats(): RedisAdapterStats {
    const r = this.receiver;
    return { ...this.counters, ignoredOwn: r?.ignoredOwn ?? 0, ...(r?.counters ?? Receiver.zeroes()) };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.refreshTimer !== null) clearInterval(this.refreshTimer);
    this.flush();
    if (this.pub.status === "ready") {
      await this.pub.eval(RELEASE, 1, this.nameKey, this.instance).catch(noop);
      await this.pub.quit().catch(noop);
    }
    this.pub.disconnect();
    this.sub.disconnect();
    this.counters.connected = false;
  }

  private label(): string {
    return `pubsub ${JSON.stringify(this.host.name)} on ${JSON.stringify(this.host.node)}`;
  }

  private lastErrorText(): string {
    return this.lastError ? `: ${this.lastError}` : "";
  }
}

/**
 * The Redis adapter: nodes that start a `PubSub` of the same name on the same Redis share its topics. One
 * publisher and one subscriber connection per node, whatever the number of topics and subscribers.
 *
 * ```ts
 * const pubsub = await PubSub.start({ name: "app", node: "web-1", adapter: redis({ url: process.env.REDIS_URL }) });
 * ```
 */
export function redis(opts: RedisAdapterOptions = {}): Adapter {
  return new RedisAdapter(opts);
}

function noop(): void {}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
