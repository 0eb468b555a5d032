import { tracing } from "@cinder/actors";

/**
 * `node:diagnostics_channel` tracing channels, named `cinder:<package>:<event>` as `@cinder/actors`' and
 * `@cinder/pubsub`'s channels are, after Phoenix's `:telemetry` events. Each traced callback publishes one
 * context object to `tracing:<name>:start`, then to `tracing:<name>:end` or `tracing:<name>:error`, with
 * `duration` (nanoseconds) set, and `error` on `error`. Params and sessions are copies with secret-looking
 * keys (password, secret, token, csrf) replaced by `"[FILTERED]"`. Nothing is built or published while a
 * channel has no subscriber.
 *
 * ```ts
 * import diagnosticsChannel from "node:diagnostics_channel";
 * diagnosticsChannel.subscribe("tracing:cinder:live_view:handle_event:end", (ctx) => {
 *   const { view, event, duration } = ctx as { view: string; event: string; duration: number };
 *   console.log(`${view} handled ${event} in ${duration / 1e6} ms`);
 * });
 * ```
 */
export const telemetry = {
  /** `{ view, id, connected, params, session, url }` around `mount` (the dead render's too, `connected: false`). */
  mount: tracing("cinder:live_view:mount"),
  /** `{ view, id, params, url }` around `handleParams`. */
  handleParams: tracing("cinder:live_view:handle_params"),
  /** `{ view, id, event, params }` around `handleEvent` (`params`: the event's value). */
  handleEvent: tracing("cinder:live_view:handle_event"),
  /** `{ view, id, message }` around `handleInfo`. */
  handleInfo: tracing("cinder:live_view:handle_info"),
  /** `{ view, id, changed }` around a render and its diff (`changed`: the assigns that changed; `null` for a full render). */
  render: tracing("cinder:live_view:render"),
  /** `{ view, component, id, cid, event, params }` around a live component's event handler (`id`: the component's). */
  componentHandleEvent: tracing("cinder:live_component:handle_event"),
  /** `{ view, component, id, cid }` around a live component's `update` or `updateMany` (`id`: the component's). */
  componentUpdate: tracing("cinder:live_component:update"),
  /** `{ channel, topic, params }` around a channel's `join` (`params`: the join's payload). */
  channelJoin: tracing("cinder:channel:join"),
  /** `{ channel, topic, event, params }` around a channel's `handleIn` (`params`: the push's payload; bytes as `"[BINARY]"`). */
  channelHandleIn: tracing("cinder:channel:handle_in"),
  /** `{ transport, params }` from a websocket's upgrade request to the accepted connection (`error`: the refusal's HTTP status). */
  socketConnect: tracing("cinder:socket:connect"),
};
