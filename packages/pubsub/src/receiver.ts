import type { ClusterKeys } from "./cluster_key.js";
import { SIGNED_OFFSET, unverifiedOffset } from "./cluster_key.js";
import type { Codec } from "./codec.js";
import type { DropCounter } from "./drop_counter.js";
import { type DropReason, type Envelope, EnvelopeError, openEnvelope, parseEnvelope } from "./envelope.js";
import type { ReceiveLimits } from "./limits.js";

/** The stats counter of each drop reason. */
export const DROP_COUNTERS = {
  version: "ignoredUnknownVersion",
  malformed: "ignoredMalformed",
  tooLarge: "ignoredTooLarge",
  tooManyItems: "ignoredTooManyItems",
  tooDeep: "ignoredTooDeep",
  tooLong: "ignoredTooLong",
  wrongTopic: "ignoredWrongTopic",
  wrongTarget: "ignoredWrongTarget",
  unsigned: "ignoredUnsigned",
  badSignature: "ignoredBadSignature",
} as const satisfies Record<DropReason, string>;

/** What a receiver needs to know about its node. */
export interface ReceiverOptions {
  codec: Codec;
  limits: ReceiveLimits;
  /** The cluster's keys, or null when envelopes are not signed. */
  keys: ClusterKeys | null;
  /** This node's name. */
  node: string;
  /** Every topic channel's name is this prefix and the topic. */
  topicPrefix: string;
  /** This node's own channel (direct broadcasts to it). */
  nodeChannel: string;
  /** Counts and logs drops (by reason). */
  drops: DropCounter;
}

/**
 * Turns what a channel brought into an envelope to dispatch, or nothing. Everything in it came from whoever
 * can PUBLISH to the server, so the checks go from the cheapest to the dearest, each before the work it bounds:
 * the size (before any parsing), the signature, the head of the envelope against the channel it came on (a
 * topic channel carries broadcasts to that topic, the node channel direct broadcasts to this node), then the
 * payloads within their limits. What fails is dropped and counted, never thrown.
 */
export class Receiver {
  /** Envelopes dropped, by stats counter. */
  readonly counters = Receiver.zeroes();
  /** Broadcasts that came back to the node that sent them (on a topic channel it listens to too). */
  ignoredOwn = 0;

  /** Every drop counter at zero. */
  static zeroes(): Record<(typeof DROP_COUNTERS)[DropReason], number> {
    return {
      ignoredUnknownVersion: 0,
      ignoredMalformed: 0,
      ignoredTooLarge: 0,
      ignoredTooManyItems: 0,
      ignoredTooDeep: 0,
      ignoredTooLong: 0,
      ignoredWrongTopic: 0,
      ignoredWrongTarget: 0,
      ignoredUnsigned: 0,
      ignoredBadSignature: 0,
    };
  }

  constructor(private readonly o: ReceiverOptions) {}

  /** The envelope `message` holds, if it is one to dispatch on this node. */
  receive(channel: Buffer, message: Buffer): Envelope | null {
    try {
      return this.check(channel, message);
    } catch (err) {
      const e = err instanceof EnvelopeError ? err : new EnvelopeError("malformed", String(err));
      this.counters[DROP_COUNTERS[e.kind]]++;
      this.o.drops.drop(e.kind, `${e.message} (channel ${quote(channel.toString("utf8", 0, 200))})`);
      return null;
    }
  }

  private check(channelBytes: Buffer, message: Buffer): Envelope | null {
    const { limits, keys, node } = this.o;
    // A signature may come on top of the envelope: allow for it here, check the envelope itself below.
    if (message.length > limits.maxEnvelopeBytes + SIGNED_OFFSET) throw tooLarge(message.length, limits);
    let offset: number;
    if (keys === null) offset = unverifiedOffset(message);
    else {
      const v = keys.verify(channelBytes, message);
      if (v === "unsigned")
        throw new EnvelopeError("unsigned", "an unsigned envelope (this cluster signs them)");
      if (v === "badSignature")
        throw new EnvelopeError("badSignature", "a signature that no cluster key verifies");
      offset = v;
    }
    if (message.length - offset > limits.maxEnvelopeBytes) throw tooLarge(message.length - offset, limits);
    const wire = parseEnvelope(message.toString("utf8", offset), limits);
    const channel = channelBytes.toString("utf8");
    const [, kind, origin, target, topic] = wire;
    if (channel === this.o.nodeChannel) {
      if (kind !== "d" || target !== node) {
        throw new EnvelopeError(
          "wrongTarget",
          kind === "d"
            ? `a direct broadcast for node ${quote(target ?? "")} on this node's channel`
            : "a broadcast to every node on this node's channel",
        );
      }
    } else if (kind !== "b" || channel !== this.o.topicPrefix + topic) {
      throw new EnvelopeError(
        "wrongTopic",
        kind === "b" ? `an envelope for topic ${quote(topic)}` : "a direct broadcast on a topic channel",
      );
    } else if (origin === node) {
      // This node's own broadcast, back on a topic it listens to: it was dispatched here when it was made.
      this.ignoredOwn += (wire.length - 5) / 2;
      return null;
    }
    return openEnvelope(this.o.codec, wire, limits);
  }
}

function tooLarge(bytes: number, limits: ReceiveLimits): EnvelopeError {
  return new EnvelopeError(
    "tooLarge",
    `an envelope of ${bytes} bytes, past limits.maxEnvelopeBytes (${limits.maxEnvelopeBytes})`,
  );
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}
