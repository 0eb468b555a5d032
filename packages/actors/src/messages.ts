import type { DownMessage, ExitMessage, ExitReason } from "./behaviour.js";
import type { Pid, Ref } from "./pid.js";

/** The EXIT message a trapping process receives. A class so the runtime can recognise it cheaply. */
export class Exit implements ExitMessage {
  readonly type = "EXIT" as const;
  constructor(
    readonly from: Pid | null,
    readonly reason: ExitReason,
  ) {}
}

/** The DOWN message a monitoring process receives. */
export class Down implements DownMessage {
  readonly type = "DOWN" as const;
  constructor(
    readonly ref: Ref,
    readonly pid: Pid,
    readonly reason: ExitReason,
  ) {}
}
