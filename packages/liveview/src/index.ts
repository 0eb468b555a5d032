export {
  DEFAULT_ERROR_BUDGET,
  DEFAULT_EVENT_RATE,
  type ErrorBudget,
  type EventRate,
} from "./channel/socket_guard.js";
export { type ContentSecurityPolicy, type CspDirectives, DEFAULT_CSP } from "./csp.js";
export { type Diff, type DiffExtras, DiffTracker, type PushEvent } from "./diff.js";
export { type Broadcast, createEndpoint, Endpoint, type EndpointOptions } from "./endpoint.js";
export { escapeHtml } from "./escape.js";
export { defaultLayout, type Layout, type Page } from "./layout.js";
export { isLocalPath } from "./local_path.js";
export { DEFAULT_LOG_RATE, type LogRate } from "./log_limiter.js";
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export type { CheckOrigin } from "./origin.js";
export { decodeParams, decodeTarget, encodeParams, type Params, type ParamValue } from "./params.js";
export {
  type Dynamic,
  html,
  Keyed,
  keyed,
  Rendered,
  raw,
  renderDynamic,
  renderToString,
  Safe,
} from "./rendered.js";
export { type RouteMatch, Router, type Routes } from "./router.js";
export { isSafeUrl, type SafeUrlOptions, safeUrl, UNSAFE_URL_REPLACEMENT } from "./safe_url.js";
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./server_limits.js";
export { Signer, type TokenError, type Verified } from "./token.js";
export {
  DEFAULT_VIEW_MAILBOX,
  defineLiveView,
  type EventResult,
  type EventValue,
  isLiveView,
  type LiveView,
  type LiveViewDefinition,
  type Session,
} from "./view.js";
export type { BuiltinAssigns, Flash, LiveViewSocket } from "./view_socket.js";
