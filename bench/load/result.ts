/** A run's result: the JSON it writes (bench/results/load-N.json) and where. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LoadOptions } from "./options.js";
import { resultsDir } from "./paths.js";
import type { Quantiles } from "./quantiles.js";

export interface StepResult {
  step: string;
  /** Clients that should have got it (joined, not cut) and those that did. */
  expected: number;
  received: number;
  /** Broadcast (server stamp) to arrival, per client. */
  fanoutMs: Quantiles;
  /** First client's arrival to each client's arrival: p99 and max (= first to last). */
  spreadMs: { p99: number; max: number };
  /** Websocket frame length (2-byte header + JSON payload) -> clients. */
  wireBytes: Record<string, number>;
  payloadBytes: Record<string, number>;
  /** Server CPU from this step's broadcast until the last client had it. */
  serverCpuS: number | null;
  /** Broadcast to the last client's arrival. */
  fanoutWallMs: number;
  /** The server's garbage collections during that time: count and pause ms, by kind. */
  gc: Record<string, { count: number; ms: number }>;
}

export interface LoadResult {
  bench: "live views under load";
  date: string;
  machine: string;
  commit: string;
  options: Omit<LoadOptions, "out" | "verbose">;
  connect: {
    joined: number;
    failed: number;
    seconds: number;
    perSecond: number;
    joinMs: Quantiles;
  };
  server: {
    fdLimit: number | null;
    rssBaseline: number;
    rssConnected: number;
    heapBaseline: number;
    heapConnected: number;
    views: number;
    rssPerView: number;
    /** RSS with half the clients connected, and the RSS per view of the second half alone. */
    rssHalf: number;
    viewsAtHalf: number;
    rssPerViewMarginal: number;
    heapTotal: number;
    /** Bytes of the young generation (V8's new space) in RSS: a fixed cost, grown during the connects. */
    youngGeneration: number | null;
    heapPerView: number;
    processes: number;
    connections: number;
    alive: boolean;
    /** warn/error lines the server logged (first 30). */
    log: string[];
  };
  steps: StepResult[];
  /** Click sent by the clicker to arrival of the first step at each client. */
  clickToReceiptMs: Quantiles;
  clickReplyMs: number;
  summary: {
    everyClientEveryStep: boolean;
    spreadP99Ms: number;
    clickP99Ms: number;
    fanoutP99Ms: number;
    rssPerViewBytes: number;
    wireBytesMax: number;
    wireBytesTypical: number;
    serverCpuS: number;
    /** The server's CPU over the whole deploy, every process of it (/proc; null off Linux). */
    serverCpuDeployS: number | null;
    /** Share of the machine's CPU (all cores) used by other processes during the deploy: a disturbed run shows. */
    otherCpuShare: number | null;
  };
  generators: {
    worker: number;
    clients: number;
    cpuMs: number;
    wallMs: number;
    /** Event-loop utilisation over the deploy, and during the fan-outs only (1 = saturated). */
    elu: number;
    fanoutElu: number;
    clockOffsetMs: number;
    clockRttMs: number;
  }[];
  errors: { count: number; dropped: number; cut: number; samples: string[] };
  cutCheck?: {
    cut: number;
    serverAlive: boolean;
    connectionsAfter: number;
    expectedConnections: number;
    processesAfter: number;
  };
}

/** `--out`, or bench/results/load-N.json (`load-N-cutP.json` for a cut run). */
export function resultPath(opts: LoadOptions): string {
  if (opts.out !== null) return opts.out;
  const suffix =
    (opts.cut > 0 ? `-cut${Math.round(opts.cut * 100)}` : "") +
    (opts.serverWorkers > 1 ? `-w${opts.serverWorkers}` : "") +
    (opts.peer ? `-${opts.peer}` : "");
  return join(resultsDir, `load-${opts.clients}${suffix}.json`);
}

/** Writes `data` as indented JSON, creating the directory. */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}
