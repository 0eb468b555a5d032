import { type Pid, type ProcessInfo, processInfo, Supervisor } from "@cinder/actors";
import { html, link, type Params, type Rendered } from "@cinder/liveview";
import { askAgent } from "../agent_client.js";
import { isArrayOf, isBool, isNullOr, isNum, isShape, isStr } from "../guards.js";
import { type DashboardContext, type PageSpec, remoteNode } from "../page.js";
import { isPidRef, type PidRef, pidRef } from "../pid_ref.js";

/** What the page shows of `processInfo`, as plain data (pids as {@link PidRef}s). */
interface ShownInfo {
  readonly pid: PidRef;
  readonly name: string | null;
  readonly what: string;
  readonly status: string;
  readonly mailbox: number;
  readonly handled: number | null;
  readonly links: readonly PidRef[];
  readonly monitors: readonly PidRef[];
  readonly monitoredBy: readonly (PidRef | null)[];
  readonly parent: PidRef | null;
  readonly trapExit: boolean;
  readonly timers: number;
  readonly state: string;
  readonly messages: readonly string[];
}

interface Detail {
  readonly id: string;
  readonly info: ShownInfo | null;
  readonly supervisor: boolean;
}

function shown(i: ProcessInfo): ShownInfo {
  return {
    pid: pidRef(i.pid),
    name: i.name,
    what: i.label ?? i.kind,
    status: i.status,
    mailbox: i.mailbox,
    handled: i.handled,
    links: i.links.map(pidRef),
    monitors: i.monitors.map(pidRef),
    monitoredBy: i.monitoredBy.map((p) => (p === null ? null : pidRef(p))),
    parent: i.parent === null ? null : pidRef(i.parent),
    trapExit: i.trapExit,
    timers: i.timers,
    state: i.state,
    messages: i.messages,
  };
}

const MANY = 100_000;

/** The pid numbered `id` among this node's live processes. */
export function findPid(ctx: DashboardContext, id: unknown): Pid | undefined {
  const n = Number(id);
  if (!Number.isInteger(n)) return undefined;
  try {
    return ctx.collector.runtime.processes().find((p) => p.id === n);
  } catch {
    return undefined;
  }
}

/** One process: everything `processInfo` tells, its first waiting messages, and a (confirmed) kill button. */
export const processDetail: PageSpec<Detail> = {
  name: "DashboardProcess",
  path: "/processes",
  refreshMs: 1000,
  load: (params, ctx) => {
    const pid = findPid(ctx, params.id);
    const info = pid === undefined ? undefined : processInfo(pid, { messages: 10, maxLength: 400 });
    return {
      id: String(params.id),
      info: info === undefined ? null : shown(info),
      supervisor: pid !== undefined && Supervisor.isSupervisor(pid),
    };
  },
  check: isShape<Detail>({
    id: isStr,
    info: isNullOr(
      isShape<ShownInfo>({
        pid: isPidRef,
        name: isNullOr(isStr),
        what: isStr,
        status: isStr,
        mailbox: isNum,
        handled: isNullOr(isNum),
        links: isArrayOf(isPidRef, MANY),
        monitors: isArrayOf(isPidRef, MANY),
        monitoredBy: isArrayOf(isNullOr(isPidRef), MANY),
        parent: isNullOr(isPidRef),
        trapExit: isBool,
        timers: isNum,
        state: isStr,
        messages: isArrayOf(isStr, 10),
      }),
    ),
    supervisor: isBool,
  }),
  events: (ctx) => ({
    async kill(_value, socket) {
      const id = socket.assigns.data?.info?.pid.id;
      if (id === undefined) return;
      const node = remoteNode(socket.assigns.params, ctx);
      if (node !== null) await askAgent(ctx.collector.runtime, node, { kill: id });
      else {
        const pid = findPid(ctx, id);
        if (pid !== undefined) ctx.collector.runtime.exit(pid, "kill");
      }
    },
  }),
  render: ({ id, info, supervisor }, _params: Params, ctx) => {
    if (info === null)
      return html`<h1>Process ${id}</h1><p>It is not alive (it exited, or never was).</p>${link({ navigate: `${ctx.base}/processes` }, "All processes")}`;
    const pids = (list: readonly (PidRef | null)[]): Rendered | string =>
      list.length === 0
        ? "none"
        : html`${list.map((p, i) =>
            p === null
              ? html`${i > 0 ? ", " : ""}a watch callback`
              : html`${i > 0 ? ", " : ""}${link({ navigate: `${ctx.base}/processes/${p.id}` }, html`<code>${p.text}</code>`)}`,
          )}`;
    return html`<h1>Process <code>${info.pid.text}</code> ${info.name === null ? "" : html`(${info.name})`}</h1>
<table>
<tr><th>What</th><td>${info.what}${supervisor ? html` · ${link({ navigate: `${ctx.base}/supervisors` }, "a supervisor")}` : ""}</td></tr>
<tr><th>Status</th><td>${info.status}</td></tr>
<tr><th>Mailbox</th><td>${info.mailbox} message(s)</td></tr>
<tr><th>Handled</th><td>${info.handled ?? "– (no process table)"}</td></tr>
<tr><th>Links</th><td>${pids(info.links)}</td></tr>
<tr><th>Monitors</th><td>${pids(info.monitors)}</td></tr>
<tr><th>Monitored by</th><td>${pids(info.monitoredBy)}</td></tr>
<tr><th>Parent</th><td>${info.parent === null ? "none" : pids([info.parent])}</td></tr>
<tr><th>Traps exits</th><td>${info.trapExit ? "yes" : "no"}</td></tr>
<tr><th>Timers</th><td>${info.timers}</td></tr>
<tr><th>State</th><td><code>${info.state}</code></td></tr>
</table>
<h2>First messages waiting</h2>
${info.messages.length === 0 ? html`<p class="muted">none</p>` : html`<ol>${info.messages.map((m) => html`<li><code>${m}</code></li>`)}</ol>`}
<p><button class="danger" phx-click="kill" data-confirm="Kill ${info.pid.text}? Its links and monitors will be told.">Kill</button></p>`;
  },
};
