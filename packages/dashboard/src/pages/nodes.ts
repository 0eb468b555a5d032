import { html, link } from "@cinder/liveview";
import { askAgent } from "../agent_client.js";
import { ms } from "../chrome.js";
import type { PageSpec } from "../page.js";

interface NodeHealth {
  readonly node: string;
  /** The round trip of a call to its dashboard agent (ms), or null with `problem` saying why not. */
  readonly rtt: number | null;
  readonly problem: string | null;
  readonly noAgent: boolean;
}

interface Nodes {
  readonly self: string;
  readonly others: readonly NodeHealth[];
}

/**
 * The cluster as this node sees it: itself and the nodes it hears from (with distribution on), each with the
 * round trip of a call to its dashboard agent, and a link to the same pages for it.
 */
export const nodesPage: PageSpec<Nodes> = {
  name: "DashboardNodes",
  path: "/nodes",
  refreshMs: 2000,
  load: async (_params, { collector }) => {
    const rt = collector.runtime;
    const others = await Promise.all(
      [...rt.nodes()].sort().map(async (node): Promise<NodeHealth> => {
        const a = await askAgent(rt, node, { ping: true });
        return a.ok
          ? { node, rtt: a.ms, problem: null, noAgent: false }
          : { node, rtt: null, problem: a.error, noAgent: a.noAgent };
      }),
    );
    return { self: rt.node, others };
  },
  render: ({ self, others }, _params, ctx) => html`<h1>Nodes</h1>
<table><thead><tr><th>Node</th><th>Health</th><th>Dashboard agent</th></tr></thead><tbody>
<tr><td><b>${self}</b> (this node)</td><td>up</td><td>this dashboard</td></tr>
${others.map(
  (n) =>
    html`<tr id="node-${n.node}"><td>${
      n.rtt === null ? n.node : link({ navigate: `${ctx.base}/nodes/${encodeURIComponent(n.node)}` }, n.node)
    }</td><td>up (heart-beating)</td><td>${
      n.rtt !== null
        ? `answers in ${ms(n.rtt)}`
        : n.noAgent
          ? "no dashboard agent"
          : html`<span class="muted">unreachable: ${n.problem ?? ""}</span>`
    }</td></tr>`,
)}
</tbody></table>
${
  others.length > 0
    ? ""
    : html`<p class="muted">No other node is connected. Nodes appear here when the runtime is distributed
(<code>PubSub.start({ distribution: true, ... })</code> with a cluster adapter) and they heart-beat.</p>`
}`,
};
