import { html } from "@cinder/liveview";
import type { PageSpec } from "../page.js";

interface Nodes {
  readonly self: string;
  readonly others: readonly string[];
  readonly distributed: boolean;
}

/** The cluster as this node sees it: itself and the nodes it hears from (with distribution on). */
export const nodesPage: PageSpec<Nodes> = {
  name: "DashboardNodes",
  path: "/nodes",
  refreshMs: 2000,
  load: (_params, { collector }) => {
    const rt = collector.runtime;
    const others = rt.nodes();
    return { self: rt.node, others: [...others].sort(), distributed: others.length > 0 };
  },
  render: ({ self, others, distributed }) => html`<h1>Nodes</h1>
<table><thead><tr><th>Node</th><th>Health</th></tr></thead><tbody>
<tr><td><b>${self}</b> (this node)</td><td>up</td></tr>
${others.map((n) => html`<tr><td>${n}</td><td>up (heart-beating)</td></tr>`)}
</tbody></table>
${
  distributed
    ? ""
    : html`<p class="muted">No other node is connected. Nodes appear here when the runtime is distributed
(<code>PubSub.start({ distribution: true, ... })</code> with a cluster adapter) and they heart-beat.</p>`
}`,
};
