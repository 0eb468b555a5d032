import diagnosticsChannel from "node:diagnostics_channel";

/**
 * `node:diagnostics_channel` channels, in the spirit of `:telemetry`. Subscribe with
 * `diagnostics_channel.subscribe("cinder:actors:crash", (msg) => ...)`. Publishing is skipped entirely while
 * a channel has no subscribers, so they cost nothing when unused.
 */
export const channels = {
  /** `{ pid, parent }` when a process starts. */
  spawn: diagnosticsChannel.channel("cinder:actors:spawn"),
  /** `{ pid, reason }` when a process exits, for any reason. */
  exit: diagnosticsChannel.channel("cinder:actors:exit"),
  /** `{ pid, error }` when a handler throws or rejects (the process then exits with `{ error }`). */
  crash: diagnosticsChannel.channel("cinder:actors:crash"),
  /** `{ node, creation }` when another node comes up for this runtime (see `Runtime.distribute`). */
  nodeUp: diagnosticsChannel.channel("cinder:actors:node_up"),
  /** `{ node }` when another node goes down for this runtime (heartbeats stopped, it left, or it restarted). */
  nodeDown: diagnosticsChannel.channel("cinder:actors:node_down"),
};
