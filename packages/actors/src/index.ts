export {
  call,
  cancelTimer,
  cast,
  createRuntime,
  demonitor,
  exit,
  isAlive,
  link,
  monitor,
  processes,
  processInfo,
  receive,
  register,
  runtime,
  self,
  send,
  sendAfter,
  spawn,
  trapExit,
  unlink,
  unregister,
  whereis,
} from "./api.js";
export { asSelf } from "./as_self.js";
export type {
  Behaviour,
  CallNext,
  DownMessage,
  ExitMessage,
  ExitReason,
  From,
  MailboxLimit,
  Next,
  OverflowPolicy,
  ProcessFn,
  SpawnOptions,
} from "./behaviour.js";
export { isNormalExit, NoReply, noreply, Reply, reply, Stop, stop } from "./behaviour.js";
export { CallError, replyTo } from "./call.js";
export type { Clock } from "./clock.js";
export { isAsyncFunction } from "./context.js";
export { describeValue } from "./describe.js";
export { channels } from "./diagnostics.js";
export {
  demonitorNode,
  monitorNode,
  nodes,
  registerGlobal,
  unregisterGlobal,
  whereisGlobal,
} from "./distribution_api.js";
export type { Environment } from "./environment.js";
export { environment, strictChecks } from "./environment.js";
export type { LogFunction, Logger, LogLevel } from "./log.js";
export { consoleLogger, envLogLevel, toLogger } from "./log.js";
export { Down, Exit } from "./messages.js";
export { OutsideProcessError } from "./outside_process.js";
export { Pid, Ref } from "./pid.js";
export type { ProcessInfo, ProcessInfoOptions } from "./process_info.js";
export { TimeoutError } from "./receive.js";
export { NodeDown } from "./remote.js";
export type { Dest, RuntimeOptions, RuntimeStats, Watch } from "./runtime.js";
export { Runtime } from "./runtime.js";
export type { ChildSpec, RestartType, Strategy, SupervisorInfo, SupervisorSpec } from "./supervisor.js";
export { Supervisor } from "./supervisor.js";
export { isTraced, type SpanContext, traceCall, tracing } from "./telemetry.js";
export { Timer } from "./timers.js";
export type { SentCount, Transport, TransportHost } from "./transport.js";
