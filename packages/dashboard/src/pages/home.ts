import { html } from "@cinder/liveview";
import { bytes, ms } from "../chrome.js";
import type { Metric } from "../collector.js";
import { isArrayOf, isNum, isShape, isStr } from "../guards.js";
import type { PageSpec } from "../page.js";
import { sparkline } from "../sparkline.js";

interface Card {
  readonly title: string;
  readonly metric: Metric;
  readonly format: (n: number) => string;
}

const CARDS: readonly Card[] = [
  { title: "Memory (RSS)", metric: "rss", format: bytes },
  { title: "JS heap used", metric: "heapUsed", format: bytes },
  { title: "External memory", metric: "external", format: bytes },
  { title: "Event loop utilisation", metric: "elu", format: (n) => `${(n * 100).toFixed(1)} %` },
  { title: "Event loop delay p50", metric: "delayP50", format: ms },
  { title: "Event loop delay p99", metric: "delayP99", format: ms },
  { title: "GC pauses per second", metric: "gcMs", format: ms },
  { title: "Processes", metric: "processes", format: String },
  { title: "Run queue", metric: "runQueue", format: String },
  { title: "Messages handled per second", metric: "messagesPerSecond", format: String },
  { title: "Sockets", metric: "sockets", format: String },
  { title: "Live views", metric: "views", format: String },
  { title: "Broadcasts per second", metric: "broadcastsPerSecond", format: String },
];

interface HomeCard {
  readonly title: string;
  readonly value: string;
  readonly values: number[];
}

interface Home {
  readonly uptime: number;
  readonly nodeVersion: string;
  readonly v8: string;
  readonly osPid: number;
  readonly cards: readonly HomeCard[];
}

/** The node at a glance: versions, uptime, and each vital sign with its last two minutes as a sparkline. */
export const home: PageSpec<Home> = {
  name: "DashboardHome",
  path: "",
  refreshMs: 1000,
  load: (_params, { collector }) => ({
    uptime: process.uptime(),
    nodeVersion: process.versions.node,
    v8: process.versions.v8,
    osPid: process.pid,
    cards: CARDS.map((c) => {
      const series = collector.series[c.metric];
      return {
        title: c.title,
        value: series.last === undefined ? "–" : c.format(series.last),
        values: [...series.values()],
      };
    }),
  }),
  check: isShape<Home>({
    uptime: isNum,
    nodeVersion: isStr,
    v8: isStr,
    osPid: isNum,
    cards: isArrayOf(isShape<HomeCard>({ title: isStr, value: isStr, values: isArrayOf(isNum, 1000) }), 50),
  }),
  render: ({ uptime, nodeVersion, v8, osPid, cards }, _params, ctx) => html`<h1>Node ${ctx.node}</h1>
<p class="muted">Up ${formatUptime(uptime)} · Node ${nodeVersion} · V8 ${v8} · pid ${osPid}</p>
<div class="cards">${cards.map(
    (c) =>
      html`<div class="card"><small>${c.title}</small><b>${c.value}</b>${sparkline(c.values, c.title)}</div>`,
  )}</div>`,
};

function formatUptime(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}
