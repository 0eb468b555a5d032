import { type Pid, processInfo, Supervisor, type SupervisorInfo } from "@cinder/actors";
import { html, link, type Rendered } from "@cinder/liveview";
import { isArrayOf, isNullOr, isNum, isRecord, isShape, isStr } from "../guards.js";
import type { DashboardContext, PageSpec } from "../page.js";
import { isPidRef, type PidRef, pidRef } from "../pid_ref.js";

/** What the page shows of `Supervisor.info`. */
interface Shown {
  readonly strategy: string;
  readonly intensity: number;
  readonly period: number;
  readonly recentRestarts: number;
}

interface Leaf {
  readonly id: string;
  readonly pid: PidRef | null;
  readonly restarts: number;
  readonly what: string;
}

interface Tree {
  readonly pid: PidRef;
  readonly name: string | null;
  readonly info: Shown | null;
  readonly children: readonly (Tree | Leaf)[];
}

/** The deepest tree another node may send (deeper ones are refused whole). */
const MAX_DEPTH = 50;
const isShown = isShape<Shown>({ strategy: isStr, intensity: isNum, period: isNum, recentRestarts: isNum });
const isLeaf = isShape<Leaf>({ id: isStr, pid: isNullOr(isPidRef), restarts: isNum, what: isStr });
function isTree(u: unknown, depth = 0): u is Tree {
  return (
    depth <= MAX_DEPTH &&
    isRecord(u) &&
    isPidRef(u.pid) &&
    isNullOr(isStr)(u.name) &&
    isNullOr(isShown)(u.info) &&
    Array.isArray(u.children) &&
    u.children.length <= 10_000 &&
    u.children.every((c) => (isRecord(c) && "info" in c ? isTree(c, depth + 1) : isLeaf(c)))
  );
}

interface Trees {
  readonly error: string | null;
  readonly roots: readonly Tree[];
}

/** Every supervision tree of the node: supervisors with their strategy, children and restart counts. */
export const supervisors: PageSpec<Trees> = {
  name: "DashboardSupervisors",
  path: "/supervisors",
  refreshMs: 2000,
  load: async (_params, ctx) => {
    let all: Pid[];
    try {
      all = ctx.collector.runtime.processes().filter((p) => Supervisor.isSupervisor(p));
    } catch {
      return { error: "This runtime keeps no process table (see the processes page).", roots: [] };
    }
    const infos = new Map<string, SupervisorInfo | null>();
    await Promise.all(
      all.map(async (pid) => infos.set(String(pid), await Supervisor.info(pid).catch(() => null))),
    );
    const childOf = new Set<string>();
    for (const info of infos.values())
      for (const c of info?.children ?? []) if (c.pid !== null) childOf.add(String(c.pid));
    const build = (pid: Pid): Tree => {
      const info = infos.get(String(pid)) ?? null;
      return {
        pid: pidRef(pid),
        name: processInfo(pid)?.name ?? null,
        info:
          info === null
            ? null
            : {
                strategy: info.strategy,
                intensity: info.intensity,
                period: info.period,
                recentRestarts: info.recentRestarts,
              },
        children: (info?.children ?? []).map((c) =>
          c.pid !== null && infos.has(String(c.pid))
            ? build(c.pid)
            : {
                id: c.id,
                pid: c.pid === null ? null : pidRef(c.pid),
                restarts: c.restarts,
                what: c.pid === null ? "" : (processInfo(c.pid)?.label ?? ""),
              },
        ),
      };
    };
    return { error: null, roots: all.filter((p) => !childOf.has(String(p))).map(build) };
  },
  check: isShape<Trees>({ error: isNullOr(isStr), roots: isArrayOf((u): u is Tree => isTree(u), 10_000) }),
  render: ({ error, roots }, _params, ctx) =>
    html`<h1>Supervision trees</h1>${error ?? ""}${roots.length === 0 && error === null ? html`<p class="muted">No supervisors.</p>` : ""}
<ul class="tree">${roots.map((t) => tree(t, ctx))}</ul>`,
};

function pidLink(ctx: DashboardContext, pid: PidRef | null): Rendered | string {
  return pid === null
    ? "(not running)"
    : link({ navigate: `${ctx.base}/processes/${pid.id}` }, html`<code>${pid.text}</code>`);
}

function tree(t: Tree, ctx: DashboardContext): Rendered {
  const i = t.info;
  return html`<li><b>Supervisor</b> ${pidLink(ctx, t.pid)} ${t.name ?? ""}
  <span class="muted">${i === null ? "(busy)" : `${i.strategy}, ${i.recentRestarts} of ${i.intensity} restarts in ${i.period} ms`}</span>
  <ul class="tree">${t.children.map((c) =>
    "info" in c
      ? tree(c, ctx)
      : html`<li>${c.id}: ${pidLink(ctx, c.pid)} <span class="muted">${c.what} · restarted ${c.restarts}×</span></li>`,
  )}</ul></li>`;
}
