import type { RedisOptions } from "ioredis";
import type { ClusterKey } from "./cluster_key.js";
import type { Codec } from "./codec.js";
import type { ReceiveLimits } from "./limits.js";

/** Options for the `redis` adapter. */
export interface RedisAdapterOptions {
  /** Where Redis answers (default: `REDIS_URL`, else `redis://127.0.0.1:6379`). */
  url?: string;
  /**
   * Extra ioredis options for both connections (TLS, password, `retryStrategy`...). The adapter overrides
   * `lazyConnect`, `enableOfflineQueue`, `maxRetriesPerRequest`, `autoResubscribe` and
   * `autoResendUnfulfilledCommands`, which its outage handling depends on.
   */
  redis?: RedisOptions;
  /** The first part of every channel and key name (default `"cinder"`). */
  prefix?: string;
  /** How messages become text (default `jsonCodec`). Every node of a cluster must use the same. */
  codec?: Codec;
  /** How long a node's name stays claimed after its last heartbeat (default 15 s; a heartbeat every third). */
  nameTtlMs?: number;
  /**
   * Signs every envelope with HMAC-SHA256 under this key and drops, counted, every received one that does not
   * verify. An array rotates keys without downtime: the first signs, any of them verifies. Every node of the
   * cluster needs it. At least 16 bytes; `openssl rand -base64 32` makes a good one.
   */
  clusterKey?: ClusterKey | readonly ClusterKey[];
  /** What this node accepts from the others (defaults in `DEFAULT_LIMITS`); senders keep within the same. */
  limits?: Partial<ReceiveLimits>;
}

/** The redis adapter's counters (in `PubSub.stats().adapter`). */
export interface RedisAdapterStats {
  [key: string]: number | boolean;
  /** Both connections are ready. */
  connected: boolean;
  /** Broadcasts handed to Redis while connected. */
  published: number;
  /** PUBLISH commands they took (consecutive broadcasts to one topic share one). */
  publishCommands: number;
  /** Broadcasts received from other nodes and dispatched on this node. */
  received: number;
  /** Broadcasts received but not for this node (its own, coming back on a topic channel it listens to). */
  ignoredOwn: number;
  /** Envelopes of another version, dropped. */
  ignoredUnknownVersion: number;
  /** Envelopes that are not well-formed (not JSON, bad fields, a payload the codec refuses), dropped. */
  ignoredMalformed: number;
  /** Envelopes past `limits.maxEnvelopeBytes`, dropped before parsing. */
  ignoredTooLarge: number;
  /** Envelopes of more than `limits.maxItems` broadcasts, dropped. */
  ignoredTooManyItems: number;
  /** Envelopes with a payload nested deeper than `limits.maxDepth`, dropped. */
  ignoredTooDeep: number;
  /** Envelopes with a BigInt or bytes longer than `limits.maxBigIntLength`/`maxBytesLength`, dropped. */
  ignoredTooLong: number;
  /** Envelopes whose topic is not the one of the channel they came on, dropped. */
  ignoredWrongTopic: number;
  /** Envelopes on this node's channel that are not direct broadcasts to this node, dropped. */
  ignoredWrongTarget: number;
  /** Unsigned envelopes, dropped when the adapter has a `clusterKey`. */
  ignoredUnsigned: number;
  /** Envelopes whose signature no cluster key verifies, dropped. */
  ignoredBadSignature: number;
  /** Times the connection to Redis was lost. */
  outages: number;
  /** Times another live node was found holding this node's name after a reconnect. */
  nameConflicts: number;
}
