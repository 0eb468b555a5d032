/**
 * The one clock every process of the harness stamps with, and how far it is from the server's: the figures
 * are reported with each process's offset, so a skew would show.
 */
import { performance } from "node:perf_hooks";
import { getJson, type Target } from "./http.js";

/** Epoch ms with sub-ms precision: the clock the server stamps its broadcasts with. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The server's clock minus ours, from the round trip with the smallest delay (NTP's rule): the server stamps
 * `now` in /stats.json; it was read at some instant between our send and our receipt.
 */
export async function clockOffset(
  target: Target,
  samples: number,
): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: 0, rttMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    const s = await getJson<{ now?: number }>(target, "/stats.json");
    const t1 = now();
    if (typeof s.now !== "number") return { offsetMs: 0, rttMs: Number.NaN };
    if (t1 - t0 < best.rttMs) best = { offsetMs: s.now - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return best;
}
