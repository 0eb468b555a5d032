/** The distributions the report gives (count, p50, p99, min, max) and the rounding of its figures. */

export interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

/** Quantiles of the finite values of `xs` (NaN figures when there are none). */
export function quantiles(xs: number[]): Quantiles {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = s.length;
  const q = (p: number) => (n === 0 ? Number.NaN : s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]);
  return { n, p50: q(0.5), p99: q(0.99), max: n ? s[n - 1] : Number.NaN, min: n ? s[0] : Number.NaN };
}

/** To 0.1 (milliseconds in the report). */
export const r1 = (x: number) => Math.round(x * 10) / 10;

/** To 0.001 (seconds and ratios in the report). */
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function roundQ(q: Quantiles): Quantiles {
  return { n: q.n, p50: r1(q.p50), p99: r1(q.p99), max: r1(q.max), min: r1(q.min) };
}
