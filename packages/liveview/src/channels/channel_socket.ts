import type { Pid } from "@cinder/actors";
import type { BroadcastResult, PubSub } from "@cinder/pubsub";
import type { Logger } from "../logger.js";
import { encodeBinaryPush, isBinaryPayload } from "../transport/binary_frame.js";
import type { Channel as Wire } from "../transport/channel.js";

/**
 * A payload on the wire: a JSON object, or bytes (an `ArrayBuffer`, or a view of one such as a `Buffer`),
 * which travel as binary frames. What a client pushed arrives as a plain object or an `ArrayBuffer`.
 */
export type ChannelPayload = Record<string, unknown> | ArrayBuffer | ArrayBufferView;

/**
 * What a channel's callbacks get as `socket` (Phoenix's `%Phoenix.Socket{}` inside a channel): the topic,
 * the assigns, and the ways to talk to this client and to everyone on the topic.
 */
export interface ChannelSocket<A extends object = Record<string, unknown>> {
  /** The joined topic, e.g. `"room:lobby"`. */
  readonly topic: string;
  /** The user socket's id (from its `id` callback), or null. */
  readonly id: string | null;
  /** The socket's assigns from `connect`, then whatever this channel assigned. Change them with {@link assign}. */
  readonly assigns: Readonly<A>;
  /** Sets assigns (for this channel only). */
  assign(values: Partial<A>): this;
  assign<K extends keyof A>(key: K, value: A[K]): this;
  /**
   * Sends `event` to this client (its `channel.on(event)`). Bytes (`ArrayBuffer`, `Buffer`, typed arrays) go
   * as a binary frame and arrive as an `ArrayBuffer`. During `join` the push waits for the join's reply.
   */
  push(event: string, payload?: ChannelPayload): this;
  /** Sends `event` to every client joined to this topic, on every node, this one included. */
  broadcast(event: string, payload?: Record<string, unknown>): Promise<BroadcastResult>;
  /** As {@link broadcast}, except to this client. */
  broadcastFrom(event: string, payload?: Record<string, unknown>): Promise<BroadcastResult>;
}

/** What a channel process receives for a broadcast on a topic: the shape `endpoint.broadcast` sends. */
export interface TopicBroadcast {
  readonly topic: string;
  readonly event: string;
  readonly payload: unknown;
}

// The longest event name a frame may carry (the binary header's field size).
const MAX_EVENT = 255;

/** The one implementation of {@link ChannelSocket}, with the pushes held back while the join runs. */
export class ChannelSocketImpl<A extends object> implements ChannelSocket<A> {
  #assigns: Record<string, unknown>;
  /** Pushes made during `join`, sent after its reply. */
  #held: [string, ChannelPayload][] | null = [];

  constructor(
    readonly topic: string,
    readonly id: string | null,
    assigns: Readonly<Record<string, unknown>>,
    private readonly wire: Wire,
    private readonly pubsub: PubSub,
    private readonly pid: Pid,
    private readonly logger: Logger,
  ) {
    this.#assigns = assigns;
  }

  get assigns(): Readonly<A> {
    return this.#assigns as A;
  }

  assign(values: Partial<A>): this;
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(keyOrValues: unknown, value?: unknown): this {
    if (typeof keyOrValues === "string") {
      this.#assigns = withAssign(this.#assigns, keyOrValues, value);
    } else if (typeof keyOrValues === "object" && keyOrValues !== null) {
      let next = this.#assigns;
      for (const key of Object.keys(keyOrValues))
        next = withAssign(next, key, (keyOrValues as Record<string, unknown>)[key]);
      this.#assigns = next;
    } else {
      throw new TypeError("assign: expected an object of assigns, or a key and a value");
    }
    return this;
  }

  push(event: string, payload: ChannelPayload = {}): this {
    checkEvent(event, "push");
    if (
      !isBinaryPayload(payload) &&
      (typeof payload !== "object" || payload === null || Array.isArray(payload))
    )
      throw new TypeError(`push: the payload of ${JSON.stringify(event)} must be an object or bytes`);
    if (this.#held !== null) this.#held.push([event, payload]);
    else this.#send(event, payload);
    return this;
  }

  /** The join answered: sends what was pushed meanwhile, and from now on pushes go out at once. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const [event, payload] of held) this.#send(event, payload);
  }

  #send(event: string, payload: ChannelPayload): void {
    const wire = this.wire;
    if (wire.state === "closed") return;
    if (isBinaryPayload(payload))
      wire.transport.send(encodeBinaryPush(wire.joinRef, this.topic, event, payload));
    else wire.push(event, payload);
  }

  broadcast(event: string, payload: Record<string, unknown> = {}): Promise<BroadcastResult> {
    return this.#broadcast("broadcast", event, payload, null);
  }

  broadcastFrom(event: string, payload: Record<string, unknown> = {}): Promise<BroadcastResult> {
    return this.#broadcast("broadcastFrom", event, payload, this.pid);
  }

  #broadcast(
    fn: string,
    event: string,
    payload: Record<string, unknown>,
    from: Pid | null,
  ): Promise<BroadcastResult> {
    checkEvent(event, fn);
    if (typeof payload !== "object" || payload === null || Array.isArray(payload) || isBinaryPayload(payload))
      throw new TypeError(
        `${fn}: the payload must be a JSON object (bytes do not cross nodes; push them instead)`,
      );
    const msg: TopicBroadcast = { topic: this.topic, event, payload };
    const p =
      from === null
        ? this.pubsub.broadcast(this.topic, msg)
        : this.pubsub.broadcastFrom(from, this.topic, msg);
    // Local subscribers have it already; a failure to reach other nodes is the pubsub's to report (it logs
    // outages). Caught here so that a callback that does not await it cannot bring the node down.
    p.catch((err: unknown) =>
      this.logger.log("warn", `${fn} on ${this.topic} did not reach other nodes: ${String(err)}`),
    );
    return p;
  }
}

function withAssign(assigns: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  if (key === "__proto__") throw new TypeError('assign: "__proto__" cannot be an assign');
  if (Object.hasOwn(assigns, key) && Object.is(assigns[key], value)) return assigns;
  return { ...assigns, [key]: value };
}

function checkEvent(event: unknown, fn: string): void {
  if (typeof event !== "string" || event === "" || Buffer.byteLength(event) > MAX_EVENT)
    throw new TypeError(`${fn}: the event must be a non-empty string of at most ${MAX_EVENT} bytes`);
}

/** Whether `msg` is a broadcast on `topic` (from this node, or decoded from another). */
export function isBroadcastOn(msg: unknown, topic: string): msg is TopicBroadcast {
  if (typeof msg !== "object" || msg === null) return false;
  const m = msg as Partial<TopicBroadcast>;
  return m.topic === topic && typeof m.event === "string" && m.event !== "" && "payload" in m;
}
