/** From what a run measured to its result: the figures derived, rounded, and laid out as the JSON has them. */
import { machine } from "../lib.js";
import type { PoolResults } from "./client/pool-protocol.js";
import type { Connected } from "./connect.js";
import { cutCount } from "./cut-check.js";
import type { Deployed } from "./deploy.js";
import type { ClockOffsets } from "./generator.js";
import { commit } from "./machine.js";
import type { LoadOptions } from "./options.js";
import { type Quantiles, quantiles, r1, r3, roundQ } from "./quantiles.js";
import type { LoadResult, StepResult } from "./result.js";
import type { ServerHandle } from "./server.js";
import type { Stats } from "./server-stats.js";
import { clickToReceipt, measureSteps } from "./step-results.js";

export interface Measured {
  opts: LoadOptions;
  server: ServerHandle;
  /** The server's stats with no client, and settled with every client and the clicker. */
  base: Stats;
  connectedStats: Stats;
  connected: Connected;
  offsets: ClockOffsets;
  deployed: Deployed;
  cutCheck: LoadResult["cutCheck"];
}

export function summarise(m: Measured): LoadResult {
  const { opts, connected, deployed } = m;
  const steps = measureSteps(deployed);
  const clickQ = quantiles(clickToReceipt(deployed.results, deployed.tClick));
  const errors = errorFigures(deployed);
  const server = serverFigures(m);
  return {
    bench: "live views under load",
    date: new Date().toISOString(),
    machine: machine(),
    commit: commit(),
    options: {
      clients: opts.clients,
      workers: opts.workers,
      stepMs: opts.stepMs,
      cut: opts.cut,
      concurrency: opts.concurrency,
      profile: opts.profile,
      url: opts.url,
      pin: opts.pin,
      serverWorkers: opts.serverWorkers,
      peer: opts.peer ?? null,
    },
    connect: {
      joined: connected.joined,
      failed: connected.failed,
      seconds: r3(connected.seconds),
      perSecond: Math.round(connected.joined / connected.seconds),
      joinMs: roundQ(connected.joinMs),
    },
    server,
    steps: steps.map(roundStep),
    clickToReceiptMs: roundQ(clickQ),
    clickReplyMs: r1(deployed.tReply - deployed.tClick),
    summary: summary(m, steps, clickQ, errors.dropped, server.rssPerView),
    generators: generatorFigures(deployed.results, m.offsets),
    errors,
    ...(m.cutCheck !== undefined ? { cutCheck: m.cutCheck } : {}),
  };
}

/** RSS per view, over the idle server and for the second half of the views alone (the clicker is a view). */
export function memoryFigures(
  base: Stats,
  half: Stats,
  connectedStats: Stats,
  joined: number,
  joinedAtHalf: number,
): { views: number; rssPerView: number; rssMarginal: number } {
  const views = joined + 1;
  const marginalViews = views - joinedAtHalf;
  return {
    views,
    rssPerView: (connectedStats.rss - base.rss) / views,
    rssMarginal: marginalViews > 0 ? (connectedStats.rss - half.rss) / marginalViews : Number.NaN,
  };
}

function serverFigures(m: Measured): LoadResult["server"] {
  const { base, connectedStats: c, connected } = m;
  const { views, rssPerView, rssMarginal } = memoryFigures(
    base,
    connected.half,
    c,
    connected.joined,
    connected.joinedAtHalf,
  );
  return {
    fdLimit: m.server.fdLimit,
    rssBaseline: base.rss,
    rssConnected: c.rss,
    heapBaseline: base.heapUsed,
    heapConnected: c.heapUsed,
    views,
    rssPerView: Math.round(rssPerView),
    rssHalf: connected.half.rss,
    viewsAtHalf: connected.joinedAtHalf,
    rssPerViewMarginal: Math.round(rssMarginal),
    heapTotal: c.heapTotal ?? Number.NaN,
    youngGeneration: c.heapSpaces?.new_space?.physical ?? null,
    heapPerView: Math.round((c.heapUsed - base.heapUsed) / views),
    processes: c.processes,
    connections: c.connections,
    alive: !m.server.exited(),
    log: m.server.log.slice(0, 30),
  };
}

function roundStep(s: StepResult): StepResult {
  return {
    ...s,
    fanoutMs: roundQ(s.fanoutMs),
    spreadMs: { p99: r1(s.spreadMs.p99), max: r1(s.spreadMs.max) },
    serverCpuS: s.serverCpuS === null ? null : r3(s.serverCpuS),
    fanoutWallMs: r1(s.fanoutWallMs),
  };
}

/** The headline figures, from the unrounded steps. */
function summary(
  m: Measured,
  steps: StepResult[],
  clickQ: Quantiles,
  dropped: number,
  rssPerView: number,
): LoadResult["summary"] {
  const everyClientEveryStep =
    m.connected.failed === 0 &&
    dropped === 0 &&
    steps.every((s) => s.received === s.expected && s.expected > 0);
  const wireSizes = steps.flatMap((s) => Object.keys(s.wireBytes).map(Number));
  const otherCpuShare = m.deployed.otherCpuShare;
  return {
    everyClientEveryStep,
    spreadP99Ms: r1(Math.max(...steps.map((s) => s.spreadMs.p99))),
    clickP99Ms: r1(clickQ.p99),
    fanoutP99Ms: r1(Math.max(...steps.map((s) => s.fanoutMs.p99))),
    rssPerViewBytes: rssPerView,
    wireBytesMax: wireSizes.length > 0 ? Math.max(...wireSizes) : Number.NaN,
    wireBytesTypical: typicalWireBytes(steps),
    serverCpuS: r3(steps.reduce((a, s) => a + (s.serverCpuS ?? 0), 0)),
    serverCpuDeployS: m.deployed.serverCpuDeployS === null ? null : r3(m.deployed.serverCpuDeployS),
    otherCpuShare: otherCpuShare === null ? null : r3(otherCpuShare),
  };
}

/** The median over the steps of each step's most common frame length. */
function typicalWireBytes(steps: StepResult[]): number {
  const typical = steps.map((s) => {
    const e = Object.entries(s.wireBytes).sort((a, b) => b[1] - a[1])[0];
    return e === undefined ? Number.NaN : Number(e[0]);
  });
  const sorted = [...typical].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function generatorFigures(results: PoolResults[], offsets: ClockOffsets): LoadResult["generators"] {
  return results.map((r) => ({
    worker: r.worker,
    clients: r.clients,
    cpuMs: Math.round(r.cpuMs),
    wallMs: Math.round(r.wallMs),
    elu: r3(r.elu),
    fanoutElu: r3(r.fanoutElu),
    clockOffsetMs: r3(offsets.get(r.worker)?.offsetMs ?? Number.NaN),
    clockRttMs: r3(offsets.get(r.worker)?.rttMs ?? Number.NaN),
  }));
}

function errorFigures(d: Deployed): LoadResult["errors"] {
  const samples = d.results.flatMap((r) => r.errors);
  if (d.deployment === null) samples.push("no deployment on /deployment.json");
  return {
    count: d.results.reduce((a, r) => a + r.errorCount, 0),
    dropped: d.results.reduce((a, r) => a + r.dropped, 0),
    cut: cutCount(d.results),
    samples: samples.slice(0, 30),
  };
}
