import { self, sendAfter } from "@cinder/actors";
import {
  defineLiveView,
  type EventHandlers,
  type LiveView,
  type LiveViewSocket,
  type Params,
  type Rendered,
} from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
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

interface PageAssigns<D> {
  data: D;
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
  events?: EventHandlers<LiveViewSocket<PageAssigns<D>>>;
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
      socket.assign({ params, data: await spec.load(params, ctx) });
      if (socket.connected) {
        ctx.collector.attach(self());
        sendAfter(self(), "refresh", spec.refreshMs);
      }
    },
    async handleParams(params, _url, socket) {
      socket.assign({ params, data: await spec.load(params, ctx) });
    },
    async handleInfo(_refresh, socket) {
      socket.assign({ data: await spec.load(socket.assigns.params, ctx) });
      sendAfter(self(), "refresh", spec.refreshMs);
    },
    events: spec.events,
    render: ({ data, params }) => chrome(ctx.base, spec.path, ctx.node, spec.render(data, params, ctx)),
  });
}
