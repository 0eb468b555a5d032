import { isTraced, traceCall } from "@cinder/actors";
import { telemetry } from "../diagnostics.js";
import { filterParams } from "../logger.js";
import type { Params } from "../params.js";
import { dispatchEvent, type EventResult, type EventValue } from "./events.js";
import type { LiveView, Session } from "./view.js";
import type { LiveViewSocket, ViewSocket } from "./view_socket.js";

// The view's callbacks as the view process and the dead render call them: straight through while nobody
// listens (one property read per channel), inside a span of `telemetry` otherwise.

/** `view.mount(...)`, traced as `cinder:live_view:mount`. */
export function callMount(
  view: LiveView,
  name: string,
  params: Params,
  session: Session,
  socket: ViewSocket<any>,
): void | Promise<void> {
  if (!isTraced(telemetry.mount)) return view.mount(params, session, socket);
  const ctx = {
    view: name,
    id: socket.id,
    connected: socket.connected,
    params: filterParams(params),
    session: filterParams(session),
    url: socket.href,
  };
  return traceCall(telemetry.mount, ctx, () => view.mount(params, session, socket));
}

/** `view.handleParams(...)` (which must exist), traced as `cinder:live_view:handle_params`. */
export function callHandleParams(
  view: LiveView,
  name: string,
  params: Params,
  url: URL,
  socket: LiveViewSocket<any>,
): void | Promise<void> {
  if (!isTraced(telemetry.handleParams)) return view.handleParams!(params, url, socket);
  const ctx = { view: name, id: socket.id, params: filterParams(params), url: url.href };
  return traceCall(telemetry.handleParams, ctx, () => view.handleParams!(params, url, socket));
}

/** The view's handler of `event` (see {@link dispatchEvent}), traced as `cinder:live_view:handle_event`. */
export function callHandleEvent(
  view: LiveView,
  name: string,
  event: string,
  value: EventValue,
  socket: LiveViewSocket<any>,
): EventResult | Promise<EventResult> {
  if (!isTraced(telemetry.handleEvent)) return dispatchEvent(view, name, event, value, socket);
  const ctx = { view: name, id: socket.id, event, params: filterParams(value) };
  return traceCall(telemetry.handleEvent, ctx, () => dispatchEvent(view, name, event, value, socket));
}

/** `view.handleInfo(...)` (which must exist), traced as `cinder:live_view:handle_info`. */
export function callHandleInfo(
  view: LiveView,
  name: string,
  msg: unknown,
  socket: LiveViewSocket<any>,
): void | Promise<void> {
  if (!isTraced(telemetry.handleInfo)) return view.handleInfo!(msg, socket);
  const ctx = { view: name, id: socket.id, message: msg };
  return traceCall(telemetry.handleInfo, ctx, () => view.handleInfo!(msg, socket));
}

/** `fn()` (a render and its diff), traced as `cinder:live_view:render`. */
export function traceRender<T>(name: string, id: string, changed: Iterable<string> | null, fn: () => T): T {
  if (!isTraced(telemetry.render)) return fn();
  return traceCall(telemetry.render, { view: name, id, changed: changed === null ? null : [...changed] }, fn);
}

/** Who a component span is about: the view's name, the component's name, its id and cid. */
export interface ComponentSpan {
  readonly view: string;
  readonly component: string;
  readonly id: string | number;
  readonly cid: number;
}

/** `fn()` (a component's event handler), traced as `cinder:live_component:handle_event`. */
export function traceComponentEvent<T>(
  who: () => ComponentSpan,
  event: string,
  value: EventValue,
  fn: () => T,
): T {
  if (!isTraced(telemetry.componentHandleEvent)) return fn();
  return traceCall(telemetry.componentHandleEvent, { ...who(), event, params: filterParams(value) }, fn);
}

/** `fn()` (a component's `update` or `updateMany`), traced as `cinder:live_component:update`. */
export function traceComponentUpdate<T>(who: () => ComponentSpan, fn: () => T): T {
  if (!isTraced(telemetry.componentUpdate)) return fn();
  return traceCall(telemetry.componentUpdate, { ...who() }, fn);
}
