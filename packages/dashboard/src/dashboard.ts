import type { Runtime } from "@cinder/actors";
import type { LiveView, OnMountOption, RouteGroup } from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import { startAgent } from "./agent.js";
import { collectorFor } from "./collector.js";
import { type DashboardContext, dashboardPage, type PageSpec } from "./page.js";
import { home } from "./pages/home.js";
import { liveViews } from "./pages/live_views.js";
import { nodesPage } from "./pages/nodes.js";
import { processDetail } from "./pages/process_detail.js";
import { processes } from "./pages/processes.js";
import { pubsubPage } from "./pages/pubsub.js";
import { supervisors } from "./pages/supervisors.js";

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /** Where the pages live (default `"/dashboard"`). */
  path?: string;
  /**
   * Who may look: a hook run before every page's mount, over HTTP and over the websocket (redirect and
   * `{ halt: true }` to refuse). There is no default guard: the dashboard shows process state and can kill
   * processes, so mount it behind one, or only in development.
   */
  onMount?: OnMountOption;
  /**
   * The PubSub to show (its topics, adapter and counters). With it, the dashboard also starts its agent,
   * through which the dashboards of the cluster's other nodes show this node's pages.
   */
  pubsub?: PubSub;
  /** The runtime to show (default: the default runtime). */
  runtime?: Runtime;
  /** Open sockets, for the home page (e.g. `() => endpoint.connections`). */
  sockets?: () => number;
  /** The route group's name (default `"dashboard"`): unique among the endpoint's groups. */
  name?: string;
  /** Session data of the dashboard's pages, from the HTTP request (e.g. whether it carried your token). */
  session?: RouteGroup["session"];
}

/**
 * The dashboard's pages as a group of routes, to put among an endpoint's `routes`:
 *
 * ```ts
 * createEndpoint({ routes: [{ name: "app", routes: { "/": Home } }, dashboard({ onMount: requireAdmin, pubsub })], ... })
 * ```
 */
export function dashboard(opts: DashboardOptions = {}): RouteGroup {
  const base = (opts.path ?? "/dashboard").replace(/\/+$/, "");
  if (!base.startsWith("/")) throw new TypeError("dashboard: path must start with /");
  const collector = collectorFor(opts.runtime, opts.sockets ?? (() => 0));
  const ctx: DashboardContext = {
    base,
    collector,
    pubsub: opts.pubsub,
    node: opts.pubsub?.nodeName() ?? collector.runtime.node,
  };
  const page = <D>(spec: PageSpec<D>): LiveView => dashboardPage(spec, ctx) as unknown as LiveView;
  // The pages other nodes' dashboards may ask this node for, through its agent: started with the PubSub,
  // which is what carries distribution (a dashboard of a lone runtime has nobody to answer).
  const shared = [home, processes, processDetail, supervisors, pubsubPage] as PageSpec<unknown>[];
  if (opts.pubsub !== undefined) startAgent(ctx, shared);
  const remote = `${base}/nodes/:node`;
  return {
    name: opts.name ?? "dashboard",
    ...(opts.onMount === undefined ? {} : { onMount: opts.onMount }),
    ...(opts.session === undefined ? {} : { session: opts.session }),
    routes: {
      [base]: page(home),
      [`${base}/processes`]: page(processes),
      [`${base}/processes/:id`]: page(processDetail),
      [`${base}/supervisors`]: page(supervisors),
      [`${base}/pubsub`]: page(pubsubPage),
      [`${base}/live_views`]: page(liveViews),
      [`${base}/nodes`]: page(nodesPage),
      [remote]: page(home),
      [`${remote}/processes`]: page(processes),
      [`${remote}/processes/:id`]: page(processDetail),
      [`${remote}/supervisors`]: page(supervisors),
      [`${remote}/pubsub`]: page(pubsubPage),
    },
  };
}
