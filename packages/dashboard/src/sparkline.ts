import { html, type Rendered } from "@cinder/liveview";

const W = 160;
const H = 36;

/**
 * A sparkline as inline SVG: the polyline of `values` scaled to the box (from 0, or from the minimum when
 * every value is far from 0), redrawn by the next diff. Nothing runs in the browser.
 */
export function sparkline(values: readonly number[], label: string): Rendered {
  if (values.length < 2)
    return html`<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${label}"></svg>`;
  const max = Math.max(...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const step = W / (values.length - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(H - 2 - ((v - min) / span) * (H - 4)).toFixed(1)}`)
    .join(" ");
  return html`<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="${label}"><polyline points="${points}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`;
}
