export type { Adapter, AdapterHost } from "./adapter.js";
export type { ClusterKey } from "./cluster_key.js";
export type { Codec, CodecLimits } from "./codec.js";
export { jsonCodec } from "./codec.js";
export { channels } from "./diagnostics.js";
export type { Dispatcher, Entry } from "./dispatcher.js";
export type { DropCounterOptions } from "./drop_counter.js";
export { DropCounter } from "./drop_counter.js";
export type { DropReason, Envelope } from "./envelope.js";
export { BroadcastError, CodecError, NodeNameTakenError } from "./errors.js";
export type { ReceiveLimits } from "./limits.js";
export { DEFAULT_LIMITS } from "./limits.js";
export type { LocalAdapterOptions } from "./local.js";
export { LocalCluster, local } from "./local.js";
export type {
  PresenceDiff,
  PresenceEntry,
  PresenceMeta,
  PresenceOptions,
  Presences,
  TrackResult,
} from "./presence/presence.js";
export { Presence } from "./presence/presence.js";
export type { TrackerStats } from "./presence/tracker.js";
export { PubSub } from "./pubsub.js";
export type {
  BroadcastResult,
  DistributionOptions,
  PubSubOptions,
  PubSubStats,
  SubscribeOptions,
} from "./pubsub_options.js";
export type { RedisAdapterOptions, RedisAdapterStats } from "./redis.js";
export { redis } from "./redis.js";
export type { WorkersAdapterOptions, WorkersAdapterStats } from "./workers/adapter.js";
export { workers } from "./workers/adapter.js";
export type { WorkersHubOptions, WorkersHubStats } from "./workers/hub.js";
export { WorkersHub } from "./workers/hub.js";
export type { ChildLike, IpcChannel } from "./workers/ipc_channel.js";
export { childChannel, parentChannel, portChannel } from "./workers/ipc_channel.js";
export type { StartWorkersOptions, Workers } from "./workers/primary.js";
export { startWorkers } from "./workers/primary.js";
export { parseWorkerCount, workerIndex, workerNode } from "./workers/worker_identity.js";
