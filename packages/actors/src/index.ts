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
export type {
  Behaviour,
  CallNext,
  DownMessage,
  ExitMessage,
  ExitReason,
  From,
  Next,
  ProcessFn,
  SpawnOptions,
} from "./behaviour.js";
export { NoReply, noreply, Reply, reply, Stop, stop } from "./behaviour.js";
export { channels } from "./diagnostics.js";
export type { Logger, LogLevel } from "./log.js";
export { consoleLogger } from "./log.js";
export { Down, Exit } from "./messages.js";
export { Pid, Ref } from "./pid.js";
export type { Clock, RuntimeOptions, RuntimeStats, Watch } from "./runtime.js";
export { CallError, Runtime, replyTo, TimeoutError, Timer } from "./runtime.js";
export type { ChildSpec, RestartType, Strategy, SupervisorSpec } from "./supervisor.js";
export { Supervisor } from "./supervisor.js";
