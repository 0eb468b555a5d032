export {
  type ChannelDefinition,
  DEFAULT_CHANNEL_MAILBOX,
  defineChannel,
  type InResult,
  isChannel,
  type JoinResult,
  type ServerChannel,
} from "./channels/channel_definition.js";
export type { ChannelPayload, ChannelSocket } from "./channels/channel_socket.js";
export type { ConnectInfo, ConnectingSocket, UserSocket } from "./channels/user_socket.js";
export { telemetry } from "./diagnostics.js";
export { type Broadcast, createEndpoint, Endpoint, type EndpointOptions } from "./endpoint.js";
export type { Flash } from "./flash.js";
export type { ClientOptions } from "./http/client_options.js";
export { type ContentSecurityPolicy, type CspDirectives, DEFAULT_CSP } from "./http/csp.js";
export { defaultLayout, type Layout, type Page } from "./http/layout.js";
export type { LiveReloadOptions } from "./http/live_reload.js";
export type { CheckOrigin } from "./http/origin.js";
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./http/server_limits.js";
export type { StaticOptions } from "./http/static_files.js";
export { isLocalPath } from "./local_path.js";
export { DEFAULT_LOG_RATE, type LogRate } from "./log_limiter.js";
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export type { Params, ParamValue } from "./params.js";
export type { ComponentCall } from "./render/component_call.js";
export type { PushEvent } from "./render/diff.js";
export { escapeHtml } from "./render/escape.js";
export { type Dynamic, html, keyed, Rendered, raw, renderToString, Safe } from "./render/rendered.js";
export type { StreamEntries } from "./render/stream_entries.js";
export { DEFAULT_ROUTE_GROUP, type LiveRoutes, type RouteGroup, type Routes } from "./router.js";
export { isSafeUrl, type SafeUrlOptions, safeUrl, UNSAFE_URL_REPLACEMENT } from "./safe_url.js";
export {
  DEFAULT_ERROR_BUDGET,
  DEFAULT_EVENT_RATE,
  type ErrorBudget,
  type EventRate,
} from "./socket/socket_guard.js";
export type { HtmlAttributes } from "./template/attributes.js";
export {
  errorList,
  Form,
  type FormElementOptions,
  type FormErrors,
  type FormField,
  type FormOptions,
  form,
  type InputOptions,
  input,
  toForm,
  usedInput,
} from "./template/form.js";
export {
  JS,
  type JsDispatchOptions,
  type JsOp,
  type JsPushOptions,
  type JsTarget,
  type JsToggleOptions,
  type JsTransition,
  type JsTransitionOptions,
} from "./template/js.js";
export { type LinkOptions, link } from "./template/link.js";
export { liveFileInput, liveImgPreview } from "./upload/live_file_input.js";
export {
  type UploadConfig,
  type UploadEntry,
  type UploadError,
  type UploadErrorItem,
  type UploadSettings,
  uploadErrors,
} from "./upload/upload_config.js";
export { UPLOAD_ROOT } from "./upload/upload_dir.js";
export type { ExternalUpload, UploadOptions } from "./upload/upload_options.js";
export { type FileWriter, fileWriter, type UploadedFile, type UploadWriter } from "./upload/upload_writer.js";
export { AsyncResult, type AsyncSlots, asyncResult } from "./view/async_result.js";
export type { AsyncOutcome } from "./view/async_tasks.js";
export {
  type Component,
  type ComponentAssigns,
  type ComponentDefinition,
  defineComponent,
  isComponent,
  type LiveComponentAssigns,
  liveComponent,
} from "./view/component.js";
export type { ComponentSocket } from "./view/component_socket.js";
export { type EventHandler, type EventHandlers, UnknownEventError } from "./view/events.js";
export { type LiveRenderOptions, liveRender } from "./view/live_render.js";
export type { OnMount, OnMountOption, OnMountResult } from "./view/on_mount.js";
export { sendUpdate, sendUpdateAfter } from "./view/send_update.js";
export { LiveStream, type StreamInsertOptions, type StreamOptions } from "./view/stream.js";
export {
  DEFAULT_VIEW_MAILBOX,
  defineLiveView,
  type EventResult,
  type EventValue,
  isLiveView,
  type LiveView,
  type LiveViewDefinition,
  type Session,
} from "./view/view.js";
export type { AsyncKeys, AsyncValue, BuiltinAssigns, LiveViewSocket } from "./view/view_socket.js";
export { Postpone } from "./view/view_uploads.js";
