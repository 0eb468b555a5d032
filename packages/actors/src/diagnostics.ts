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
};
