import diagnosticsChannel from "node:diagnostics_channel";

/**
 * `node:diagnostics_channel` channels, like `@cinder/actors`' (`:telemetry` in spirit). Publishing is skipped
 * while a channel has no subscribers.
 */
export const channels = {
  /** `{ pubsub, node, topic, error }` each time a broadcast could not be handed to the other nodes. */
  remoteFailure: diagnosticsChannel.channel("cinder:pubsub:remote_failure"),
};
