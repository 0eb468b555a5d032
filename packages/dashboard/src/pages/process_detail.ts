import { exit, type Pid, type ProcessInfo, processInfo, Supervisor } from "@cinder/actors";
import { html, link, type Params, type Rendered } from "@cinder/liveview";
import type { DashboardContext, PageSpec } from "../page.js";

interface Detail {
  readonly id: string;
  readonly info: ProcessInfo | undefined;
  readonly supervisor: boolean;
}

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
    return { id: String(params.id), info, supervisor: pid !== undefined && Supervisor.isSupervisor(pid) };
  },
  events: {
    kill(_value, socket) {
      const pid = socket.assigns.data.info?.pid;
      if (pid !== undefined) exit(pid, "kill");
    },
  },
  render: ({ id, info, supervisor }, _params: Params, ctx) => {
    if (info === undefined)
      return html`<h1>Process ${id}</h1><p>It is not alive (it exited, or never was).</p>${link({ navigate: `${ctx.base}/processes` }, "All processes")}`;
    const pids = (list: readonly (Pid | null)[]): Rendered | string =>
      list.length === 0
        ? "none"
        : html`${list.map((p, i) =>
            p === null
              ? html`${i > 0 ? ", " : ""}a watch callback`
              : html`${i > 0 ? ", " : ""}${link({ navigate: `${ctx.base}/processes/${p.id}` }, html`<code>${String(p)}</code>`)}`,
          )}`;
    return html`<h1>Process <code>${String(info.pid)}</code> ${info.name === null ? "" : html`(${info.name})`}</h1>
<table>
<tr><th>What</th><td>${info.label ?? info.kind}${supervisor ? html` · ${link({ navigate: `${ctx.base}/supervisors` }, "a supervisor")}` : ""}</td></tr>
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
<p><button class="danger" phx-click="kill" data-confirm="Kill ${String(info.pid)}? Its links and monitors will be told.">Kill</button></p>`;
  },
};
