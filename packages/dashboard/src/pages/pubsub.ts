import { html } from "@cinder/liveview";
import type { PubSubStats } from "@cinder/pubsub";
import { isArrayOf, isBool, isNullOr, isNum, isRecord, isShape, isStr } from "../guards.js";
import type { PageSpec } from "../page.js";

/** The counters the page shows. */
type ShownStats = Omit<PubSubStats, "distribution">;

interface Topic {
  readonly topic: string;
  readonly subscribers: number;
  readonly rate: number;
}

interface Topics {
  readonly topics: readonly Topic[];
  readonly stats: ShownStats | null;
  readonly node: string;
}

/** The PubSub of the node: its topics with local subscribers and broadcast rates, and its adapter's counters. */
export const pubsubPage: PageSpec<Topics> = {
  name: "DashboardPubSub",
  path: "/pubsub",
  refreshMs: 1000,
  load: (_params, { pubsub, collector }) => {
    if (pubsub === undefined) return { topics: [], stats: null, node: "" };
    const topics = pubsub
      .topics()
      .map((t) => ({ ...t, rate: collector.topicRates.get(t.topic) ?? 0 }))
      .sort((a, b) => b.subscribers - a.subscribers || a.topic.localeCompare(b.topic))
      .slice(0, 200);
    const { topics: t, subscriptions, processes, remoteFailures, droppedRemote, adapter } = pubsub.stats();
    // Only the fields shown, so that what crosses to another node is exactly what the page reads.
    const stats = { topics: t, subscriptions, processes, remoteFailures, droppedRemote, adapter };
    return { topics, stats, node: pubsub.nodeName() };
  },
  check: isShape<Topics>({
    topics: isArrayOf(isShape<Topic>({ topic: isStr, subscribers: isNum, rate: isNum }), 200),
    stats: isNullOr(
      isShape<ShownStats>({
        topics: isNum,
        subscriptions: isNum,
        processes: isNum,
        remoteFailures: isNum,
        droppedRemote: isNum,
        adapter: (u): u is Record<string, number | boolean> =>
          isRecord(u) && Object.keys(u).length <= 50 && Object.values(u).every((v) => isNum(v) || isBool(v)),
      }),
    ),
    node: isStr,
  }),
  render: ({ topics, stats, node }) =>
    stats === null
      ? html`<h1>PubSub</h1><p>Give the dashboard your PubSub (<code>dashboard({ pubsub })</code>) to see it here.</p>`
      : html`<h1>PubSub <span class="muted">node ${node}</span></h1>
<div class="cards">
  <div class="card"><small>Topics</small><b>${stats.topics}</b></div>
  <div class="card"><small>Subscriptions</small><b>${stats.subscriptions}</b></div>
  <div class="card"><small>Subscribed processes</small><b>${stats.processes}</b></div>
  <div class="card"><small>Broadcasts not handed to other nodes</small><b>${stats.remoteFailures}</b></div>
  <div class="card"><small>Remote messages dropped</small><b>${stats.droppedRemote}</b></div>
</div>
<h2>Adapter</h2>
<table>${Object.entries(stats.adapter).map(([k, v]) => html`<tr><th>${k}</th><td class="num">${String(v)}</td></tr>`)}</table>
<h2>Topics <span class="muted">(the 200 with the most local subscribers)</span></h2>
<table><thead><tr><th>Topic</th><th class="num">Local subscribers</th><th class="num">Broadcasts/s</th></tr></thead>
<tbody>${topics.map((t) => html`<tr><td><code>${t.topic}</code></td><td class="num">${t.subscribers}</td><td class="num">${t.rate}</td></tr>`)}</tbody></table>`,
};
