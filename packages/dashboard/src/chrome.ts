import { html, link, type Rendered, raw } from "@cinder/liveview";

/** The pages, in the order of the navigation bar. */
export const PAGES = [
  ["", "Home"],
  ["/processes", "Processes"],
  ["/supervisors", "Supervisors"],
  ["/pubsub", "PubSub"],
  ["/live_views", "Live views"],
  ["/nodes", "Nodes"],
] as const;

// One stylesheet for every page, in the page itself: the dashboard serves no files of its own.
const STYLE = raw(`<style>
.cd { font: 14px/1.45 ui-sans-serif, system-ui, sans-serif; color: #1f2430; text-align: left; box-sizing: border-box;
  width: min(72rem, 96vw); position: relative; left: 50%; transform: translateX(-50%); padding: 1rem; }
.cd nav { display: flex; gap: .25rem; flex-wrap: wrap; border-bottom: 1px solid #e2e4ea; margin-bottom: 1rem; }
.cd nav a { padding: .5rem .75rem; color: #4a5163; text-decoration: none; border-bottom: 2px solid transparent; }
.cd nav a.on { color: #c2410c; border-color: #c2410c; }
.cd h1 { font-size: 1.25rem; margin: .25rem 0 1rem; }
.cd .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .75rem; }
.cd .card { border: 1px solid #e2e4ea; border-radius: .5rem; padding: .6rem .75rem; }
.cd .card b { display: block; font-size: 1.15rem; }
.cd .card small, .cd .muted { color: #6b7285; }
.cd .spark { width: 100%; height: 36px; color: #c2410c; }
.cd table { border-collapse: collapse; width: 100%; }
.cd th, .cd td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eef0f4; vertical-align: top; }
.cd th a { color: inherit; }
.cd td.num, .cd th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cd code { font-size: 12px; }
.cd .pager { display: flex; gap: 1rem; align-items: center; margin: .75rem 0; }
.cd button.danger { background: #b91c1c; color: white; border: 0; border-radius: .35rem; padding: .4rem .8rem; cursor: pointer; }
.cd ul.tree { list-style: none; padding-left: 1.25rem; border-left: 1px dashed #d4d7df; }
</style>`);

/** The pages shown for another node too (the others are this node's only). */
const REMOTE_PAGES: ReadonlySet<string> = new Set(["", "/processes", "/supervisors", "/pubsub"]);

/**
 * A dashboard page: the navigation (live links within the dashboard) and the page's content. `base` is where
 * the shown node's pages live (`localBase` itself, or `localBase/nodes/<node>` for another node).
 */
export function chrome(
  base: string,
  current: string,
  node: string,
  content: Rendered,
  localBase = base,
): Rendered {
  const remote = base !== localBase;
  return html`<div class="cd">${STYLE}
  <nav>${PAGES.map(([path, title]) =>
    link(
      {
        navigate: `${remote && REMOTE_PAGES.has(path) ? base : localBase}${path}`,
        attrs: { class: path === current ? "on" : "" },
      },
      title,
    ),
  )}<span class="muted" style="margin-left:auto;padding:.5rem">${remote ? html`<b id="shown-node">node ${node}</b> (remote) · ${link({ navigate: localBase }, "this node")}` : html`node ${node}`}</span></nav>
  ${content}
</div>`;
}

/** Bytes as KiB/MiB/GiB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** Milliseconds, shortly. */
export function ms(n: number): string {
  return n < 1
    ? `${(n * 1000).toFixed(0)} µs`
    : n < 1000
      ? `${n.toFixed(n < 10 ? 1 : 0)} ms`
      : `${(n / 1000).toFixed(1)} s`;
}
