/**
 * The per-step measurement: each step timed from its broadcast on the server (the deploy's `startedAt +
 * times[step]`) to its arrival at each client that should have it, with its size on the wire, the server's
 * CPU from the broadcast until every generator had it, and the server's GC pauses meanwhile.
 */
import type { PoolResults } from "./client/pool-protocol.js";
import { STEPS } from "./client/steps.js";
import type { Deployed } from "./deploy.js";
import { quantiles } from "./quantiles.js";
import type { StepResult } from "./result.js";
import type { GcEntry, Stats } from "./server-stats.js";

/** Every step's figures, unrounded. */
export function measureSteps(d: Deployed): StepResult[] {
  const broadcastAt = (s: string): number =>
    d.deployment !== null && typeof d.deployment.times[s] === "number"
      ? d.deployment.startedAt + d.deployment.times[s]
      : Number.NaN;
  const marks = d.finalStats.steps.filter((m) => m.at >= d.tClick - 1000);
  return STEPS.map((name, s) => {
    const b = broadcastAt(name);
    const a = arrivals(d.results, s, b);
    const fan = quantiles(a.latencies);
    const mark = marks.find((m) => m.event === name);
    return {
      step: name,
      expected: a.expected,
      received: fan.n,
      fanoutMs: fan,
      spreadMs: { p99: fan.p99 - fan.min, max: fan.max - fan.min },
      wireBytes: a.wire,
      payloadBytes: a.payload,
      serverCpuS: cpuSince(mark, d.stepCpu[s]),
      fanoutWallMs: a.last - b,
      gc: gcDuring(d.gcLog, b, a.last),
    };
  });
}

/** Step `s` at every client that should have it (joined, not cut), against its broadcast at `b`. */
function arrivals(results: PoolResults[], s: number, b: number) {
  const latencies: number[] = [];
  let expected = 0;
  let last = Number.NEGATIVE_INFINITY;
  const wire: Record<string, number> = {};
  const payload: Record<string, number> = {};
  for (const r of results) {
    const cut = new Set(r.cut);
    const arr = r.arrivals[s];
    for (let i = 0; i < arr.length; i++) {
      if (cut.has(i)) continue;
      const t = arr[i];
      // Expected: every client that joined and was not cut (a dropped one counts as missing).
      expected++;
      if (Number.isNaN(t)) continue;
      latencies.push(t - b);
      if (t > last) last = t;
    }
    addCounts(wire, r.wireBytes[s]);
    addCounts(payload, r.payloadBytes[s]);
  }
  // Clients that never joined are not expected; joined ones that were neither cut nor present are.
  expected -= results.reduce((a, r) => a + (r.clients - r.joined), 0);
  return { latencies, expected, last, wire, payload };
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) into[k] = (into[k] ?? 0) + v;
}

/** The server's CPU seconds from its reading at a step's broadcast to a later reading (null: one missing). */
function cpuSince(mark: Stats["steps"][number] | undefined, after: Stats | null): number | null {
  return mark !== undefined && after !== null
    ? (after.cpuUserUs + after.cpuSystemUs - mark.cpuUserUs - mark.cpuSystemUs) / 1e6
    : null;
}

/** The garbage collections that started between `from` and `to` (epoch ms), by kind. */
function gcDuring(log: GcEntry[], from: number, to: number): Record<string, { count: number; ms: number }> {
  const out: Record<string, { count: number; ms: number }> = {};
  for (const g of log) {
    if (g.at < from || g.at > to) continue;
    const o = (out[g.kind] ??= { count: 0, ms: 0 });
    o.count++;
    o.ms = Math.round((o.ms + g.ms) * 10) / 10;
  }
  return out;
}

/** Click sent to the first step's arrival, at every client not cut. */
export function clickToReceipt(results: PoolResults[], tClick: number): number[] {
  const click: number[] = [];
  for (const r of results) {
    const cut = new Set(r.cut);
    r.arrivals[0].forEach((t, i) => {
      if (!cut.has(i) && !Number.isNaN(t)) click.push(t - tClick);
    });
  }
  return click;
}
