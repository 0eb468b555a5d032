import { html } from "@cinder/liveview";
import { ms } from "../chrome.js";
import type { SlowEvent } from "../collector.js";
import type { PageSpec } from "../page.js";
import { quantile } from "../series.js";

interface ViewRow {
  readonly view: string;
  readonly connected: number;
  readonly mount: readonly [number, number];
  readonly event: readonly [number, number];
  readonly render: readonly [number, number];
}

interface Views {
  readonly rows: readonly ViewRow[];
  readonly slowest: readonly SlowEvent[];
}

const p50p99 = (xs: readonly number[]) => [quantile(xs, 0.5), quantile(xs, 0.99)] as const;

/** Live views by name: how many are connected, and the p50/p99 of their mount, event and render times. */
export const liveViews: PageSpec<Views> = {
  name: "DashboardLiveViews",
  path: "/live_views",
  refreshMs: 1000,
  load: (_params, { collector }) => {
    const connected = new Map<string, number>();
    for (const v of collector.views.values()) connected.set(v.view, (connected.get(v.view) ?? 0) + 1);
    const names = new Set([...connected.keys(), ...collector.durations.keys()]);
    const rows = [...names].sort().map((view) => {
      const d = collector.durations.get(view);
      return {
        view,
        connected: connected.get(view) ?? 0,
        mount: p50p99(d?.mount ?? []),
        event: p50p99(d?.event ?? []),
        render: p50p99(d?.render ?? []),
      };
    });
    return { rows, slowest: collector.slowest.map((e) => ({ ...e })) };
  },
  render: ({ rows, slowest }) => html`<h1>Live views</h1>
<p class="muted">Times are measured while a dashboard page is open (the views' own telemetry); the dashboard's pages are left out.</p>
<table><thead><tr><th>View</th><th class="num">Connected</th><th class="num">mount p50 / p99</th><th class="num">event p50 / p99</th><th class="num">render p50 / p99</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><td>${r.view}</td><td class="num">${r.connected}</td><td class="num">${pair(r.mount)}</td><td class="num">${pair(r.event)}</td><td class="num">${pair(r.render)}</td></tr>`,
  )}</tbody></table>
<h2>Slowest recent events</h2>
${
  slowest.length === 0
    ? html`<p class="muted">none yet</p>`
    : html`<table><tbody>${slowest.map(
        (e) =>
          html`<tr><td>${e.view}</td><td><code>${e.event}</code></td><td class="num">${ms(e.ms)}</td><td class="muted">${new Date(e.at).toISOString()}</td></tr>`,
      )}</tbody></table>`
}`,
};

function pair([a, b]: readonly [number, number]): string {
  return `${ms(a)} / ${ms(b)}`;
}
