import { self, sendAfter } from "@cinder/actors";
import {
  defineLiveView,
  type EventHandlers,
  html,
  type LiveView,
  type LiveViewSocket,
  type Params,
  type Rendered,
} from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import { plainParams } from "./agent.js";
import { askAgent } from "./agent_client.js";
import { chrome } from "./chrome.js";
import type { Collector } from "./collector.js";

/** What every page reads from. */
export interface DashboardContext {
  /** The dashboard's base path, e.g. "/dashboard". */
  readonly base: string;
  readonly collector: Collector;
  readonly pubsub: PubSub | undefined;
  /** This node's name. */
  readonly node: string;
}

export interface PageAssigns<D> {
  /** Null when the node shown (another one) did not answer: `unreachable` says why. */
  data: D | null;
  unreachable: string | null;
  params: Params;
}

/** One dashboard page: what it loads (again each `refreshMs`, and on each patch), and how it renders it. */
export interface PageSpec<D> {
  readonly name: string;
  /** Its path under the base ("" for home). */
  readonly path: string;
  readonly refreshMs: number;
  load(params: Params, ctx: DashboardContext): D | Promise<D>;
  render(data: D, params: Params, ctx: DashboardContext): Rendered;
  events?(ctx: DashboardContext): EventHandlers<LiveViewSocket<PageAssigns<D>>>;
  /**
   * Checks the data another node's agent sent for this page (another node's input); a page without it is
   * shown for this node only.
   */
  readonly check?: (u: unknown) => u is D;
}

/** The node a page's URL asks for (`/nodes/:node/...`), or null for this node. */
export function remoteNode(params: Params, ctx: DashboardContext): string | null {
  const node = params.node;
  return typeof node === "string" && node !== ctx.collector.runtime.node ? node : null;
}

/** The context a page renders with: for another node, links stay under that node's pages. */
export function shownContext(params: Params, ctx: DashboardContext): DashboardContext {
  const node = remoteNode(params, ctx);
  return node === null ? ctx : { ...ctx, base: `${ctx.base}/nodes/${encodeURIComponent(node)}`, node };
}

/** A page's data, from this node or from the node its URL names (through that node's agent). */
async function loadPage<D>(
  spec: PageSpec<D>,
  params: Params,
  ctx: DashboardContext,
): Promise<{ data: D | null; unreachable: string | null }> {
  const node = remoteNode(params, ctx);
  if (node === null) return { data: await spec.load(params, ctx), unreachable: null };
  if (spec.check === undefined) return { data: null, unreachable: "this page shows this node only" };
  const a = await askAgent(ctx.collector.runtime, node, { page: spec.name, params: plainParams(params) });
  if (!a.ok) return { data: null, unreachable: a.error };
  if (!spec.check(a.value))
    return { data: null, unreachable: "its agent sent data this page cannot read (dropped)" };
  return { data: a.value, unreachable: null };
}

/**
 * A dashboard page as a live view: it loads its data at mount and on each URL patch (sorting, paging), and
 * while connected reloads it every `refreshMs`, so the diffs keep the page current.
 */
export function dashboardPage<D>(
  spec: PageSpec<D>,
  ctx: DashboardContext,
): LiveView<PageAssigns<D>, "refresh"> {
  return defineLiveView<PageAssigns<D>, "refresh">({
    name: spec.name,
    async mount(params, _session, socket) {
      socket.assign({ params, ...(await loadPage(spec, params, ctx)) });
      if (socket.connected) {
        ctx.collector.attach(self());
        sendAfter(self(), "refresh", spec.refreshMs);
      }
    },
    async handleParams(params, _url, socket) {
      socket.assign({ params, ...(await loadPage(spec, params, ctx)) });
    },
    async handleInfo(_refresh, socket) {
      socket.assign(await loadPage(spec, socket.assigns.params, ctx));
      sendAfter(self(), "refresh", spec.refreshMs);
    },
    events: spec.events?.(ctx),
    render: ({ data, unreachable, params }) => {
      const shown = shownContext(params, ctx);
      const content =
        data === null
          ? html`<h1>Node ${shown.node} unreachable</h1><p class="muted">${unreachable ?? ""}</p>`
          : spec.render(data, params, shown);
      return chrome(shown.base, spec.path, shown.node, content, ctx.base);
    },
  });
}
