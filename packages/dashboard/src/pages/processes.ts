import { type Pid, type ProcessInfo, processInfo } from "@cinder/actors";
import { html, link, type Params } from "@cinder/liveview";
import { isArrayOf, isBool, isNullOr, isNum, isShape, isStr } from "../guards.js";
import type { DashboardContext, PageSpec } from "../page.js";

const PER_PAGE = 50;
const COLUMNS = [
  ["pid", "Pid"],
  ["name", "Name"],
  ["label", "What"],
  ["mailbox", "Mailbox"],
  ["handled", "Handled"],
  ["links", "Links"],
  ["monitors", "Monitors"],
] as const;
type Column = (typeof COLUMNS)[number][0];

interface Row {
  readonly pid: string;
  readonly id: number;
  readonly name: string;
  readonly label: string;
  readonly mailbox: number;
  readonly handled: number | null;
  readonly links: number;
  readonly monitors: number;
  readonly state: string;
}

interface Listing {
  readonly error: string | null;
  readonly total: number;
  readonly rows: readonly Row[];
  readonly sort: Column;
  readonly desc: boolean;
  readonly page: number;
  readonly pages: number;
}

/**
 * Every process of the node, sortable by any column and paged on the server (fifty to a page), so the page
 * stays light with a hundred thousand processes: sorting by pid slices the table directly, other orders read
 * each process's counters (not its state) and describe the state of the fifty shown only.
 */
export const processes: PageSpec<Listing> = {
  name: "DashboardProcesses",
  path: "/processes",
  refreshMs: 2000,
  load: (params, ctx) => list(params, ctx),
  check: isShape<Listing>({
    error: isNullOr(isStr),
    total: isNum,
    rows: isArrayOf(
      isShape<Row>({
        pid: isStr,
        id: isNum,
        name: isStr,
        label: isStr,
        mailbox: isNum,
        handled: isNullOr(isNum),
        links: isNum,
        monitors: isNum,
        state: isStr,
      }),
      1000,
    ),
    sort: (u): u is Column => COLUMNS.some(([k]) => k === u),
    desc: isBool,
    page: isNum,
    pages: isNum,
  }),
  render: (l, _params, ctx) => {
    if (l.error !== null) return html`<h1>Processes</h1><p>${l.error}</p>`;
    const href = (q: Record<string, string | number>) =>
      `${ctx.base}/processes?${new URLSearchParams({ sort: l.sort, dir: l.desc ? "desc" : "asc", page: String(l.page), ...q })}`;
    return html`<h1>Processes <span class="muted">${l.total}</span></h1>
<table><thead><tr>${COLUMNS.map(
      ([key, title]) =>
        html`<th class="${key === "pid" || key === "name" || key === "label" ? "" : "num"}">${link(
          { patch: href({ sort: key, dir: key === l.sort && l.desc ? "asc" : "desc", page: 1 }) },
          `${title}${key === l.sort ? (l.desc ? " ↓" : " ↑") : ""}`,
        )}</th>`,
    )}<th>State</th></tr></thead>
<tbody>${l.rows.map(
      (r) => html`<tr id="proc-${r.id}">
  <td>${link({ navigate: `${ctx.base}/processes/${r.id}` }, html`<code>${r.pid}</code>`)}</td>
  <td>${r.name}</td><td>${r.label}</td><td class="num">${r.mailbox}</td>
  <td class="num">${r.handled ?? "–"}</td><td class="num">${r.links}</td><td class="num">${r.monitors}</td>
  <td><code>${r.state}</code></td></tr>`,
    )}</tbody></table>
<div class="pager">${l.page > 1 ? link({ patch: href({ page: l.page - 1 }) }, "← Previous") : ""}
  <span>page ${l.page} of ${l.pages}</span>
  ${l.page < l.pages ? link({ patch: href({ page: l.page + 1 }) }, "Next →") : ""}</div>`;
  },
};

function list(params: Params, ctx: DashboardContext): Listing {
  const sort = (COLUMNS.some(([k]) => k === params.sort) ? params.sort : "pid") as Column;
  const desc = params.dir === "desc";
  let pids: Pid[];
  try {
    pids = ctx.collector.runtime.processes();
  } catch {
    return {
      error:
        "This runtime keeps no process table: start it with createRuntime({ processTable: true }), or set CINDER_PROCESS_TABLE=on.",
      total: 0,
      rows: [],
      sort,
      desc,
      page: 1,
      pages: 1,
    };
  }
  const pages = Math.max(1, Math.ceil(pids.length / PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number.parseInt(String(params.page ?? "1"), 10) || 1));
  let shown: Pid[];
  if (sort === "pid") {
    const ordered = desc ? pids.reverse() : pids;
    shown = ordered.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  } else {
    const infos = pids.map((pid) => processInfo(pid, { state: false })).filter((i) => i !== undefined);
    const key = (i: ProcessInfo): number | string =>
      sort === "name"
        ? (i.name ?? "")
        : sort === "label"
          ? (i.label ?? "")
          : sort === "mailbox"
            ? i.mailbox
            : sort === "handled"
              ? (i.handled ?? 0)
              : sort === "links"
                ? i.links.length
                : i.monitors.length;
    infos.sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const c = x < y ? -1 : x > y ? 1 : a.pid.id - b.pid.id;
      return desc ? -c : c;
    });
    shown = infos.slice((page - 1) * PER_PAGE, page * PER_PAGE).map((i) => i.pid);
  }
  const rows: Row[] = [];
  for (const pid of shown) {
    const i = processInfo(pid, { maxLength: 80 });
    if (i === undefined) continue;
    rows.push({
      pid: String(i.pid),
      id: i.pid.id,
      name: i.name ?? "",
      label: i.label ?? (i.kind === "function" ? "function" : ""),
      mailbox: i.mailbox,
      handled: i.handled,
      links: i.links.length,
      monitors: i.monitors.length + i.monitoredBy.length,
      state: i.state,
    });
  }
  return { error: null, total: pids.length, rows, sort, desc, page, pages };
}
