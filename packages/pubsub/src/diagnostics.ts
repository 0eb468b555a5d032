import diagnosticsChannel from "node:diagnostics_channel";
import { tracing } from "@cinder/actors";

/**
 * `node:diagnostics_channel` channels, like `@cinder/actors`' (`:telemetry` in spirit). Publishing is skipped
 * while a channel has no subscribers.
 */
export const channels = {
  /** `{ pubsub, node, topic, error }` each time a broadcast could not be handed to the other nodes. */
  remoteFailure: diagnosticsChannel.channel("cinder:pubsub:remote_failure"),
  /**
   * A tracing channel (`tracing:cinder:pubsub:broadcast:start` / `:end` / `:error`): `{ pubsub, node, topic,
   * from, duration }` around each `broadcast`/`broadcastFrom` (the duration runs until the other nodes
   * were handed the message, or failed to be). `from` is the excluded pid or null.
   */
  broadcast: tracing("cinder:pubsub:broadcast"),
};
