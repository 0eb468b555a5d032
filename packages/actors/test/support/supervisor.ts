/** What the supervisor tests share: a supervisor started under a trapping host, and children that log. */
import {
  type Behaviour,
  type ChildSpec,
  type ExitReason,
  type Pid,
  type Runtime,
  receive,
  Supervisor,
  type SupervisorSpec,
  spawn,
  stop,
  trapExit,
} from "@cinder/actors";

/** Starts a supervisor inside a trapping host process of `rt` (so it lives on rt's clock and logger). */
export function startSup(rt: Runtime, spec: SupervisorSpec, opts: { name?: string } = {}) {
  const hostGot: unknown[] = [];
  let sup!: Pid;
  const host = rt.spawn(async () => {
    trapExit(true);
    sup = Supervisor.start(spec, opts);
    for (;;) hostGot.push(await receive());
  });
  const reason: { value?: ExitReason } = {};
  rt.watch(sup, (r) => {
    reason.value = r;
  });
  return { sup, host, hostGot, reason };
}

/** Children that log "start id" and "down id reason" (the latter when they exit, whatever the cause). */
export function family(rt: Runtime) {
  const log: string[] = [];
  const pids = new Map<string, Pid>();
  const worker: Behaviour<null, { exit: ExitReason } | "crash"> = {
    init: () => null,
    handleInfo: (m) => {
      if (m === "crash") throw new Error("crash");
      return stop(m.exit);
    },
  };
  const child = (
    id: string,
    extra: Partial<ChildSpec> = {},
    beh: Behaviour = worker,
    trap = false,
  ): ChildSpec => ({
    id,
    start: () => {
      log.push(`start ${id}`);
      const pid = spawn(beh, undefined, { trapExit: trap });
      rt.watch(pid, (r) => log.push(`down ${id} ${show(r)}`));
      pids.set(id, pid);
      return pid;
    },
    ...extra,
  });
  return { log, pids, child };
}

export function show(r: ExitReason): string {
  if (typeof r === "object" && r !== null && "error" in r) return "crash";
  return typeof r === "string" ? r : JSON.stringify(r);
}
