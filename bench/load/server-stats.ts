/** What the demo server tells about itself (/stats.json, /deployment.json, /gc.json), and waiting for it to settle. */
import { sleep } from "../lib.js";
import { now } from "./client/clock.js";
import { getJson, type Target } from "./client/http.js";
import { treeUsage } from "./server-tree.js";

/** /stats.json: the server's clock, memory, CPU counters, and a CPU reading at each deploy step's broadcast. */
export interface Stats {
  now: number;
  rss: number;
  heapUsed: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  processes: number;
  runQueue: number;
  connections: number;
  steps: { event: string; at: number; cpuUserUs: number; cpuSystemUs: number }[];
  heapTotal?: number;
  heapSpaces?: Record<string, { size: number; used: number; physical: number }>;
}

/** /deployment.json: the last deploy, its start and each step's broadcast as ms after it. */
export interface Deployment {
  id: string;
  status: string;
  startedAt: number;
  times: Record<string, number>;
}

/** One of /gc.json's garbage collections: when it started (epoch ms), how long it paused, its kind. */
export interface GcEntry {
  at: number;
  ms: number;
  kind: string;
}

/** The server process whose children are counted with it (a server of several workers), if any. */
let treePid: number | null = null;

/**
 * From now on, `readStats` reports the CPU and RSS of `pid` and its children (from /proc) instead of what one
 * worker says of itself; its per-step marks are dropped (each worker marks only its own broadcasts), and so
 * is its heap.
 */
export function countProcessTree(pid: number): void {
  treePid = pid;
}

export async function readStats(target: Target): Promise<Stats> {
  const st = await getJson<Stats>(target, "/stats.json");
  const tree = treePid === null ? null : treeUsage(treePid);
  if (tree === null) return st;
  // One worker's heap is not the server's: no heap figure then (NaN), rather than a wrong one.
  return {
    ...st,
    rss: tree.rss,
    heapUsed: Number.NaN,
    cpuUserUs: tree.cpuS * 1e6,
    cpuSystemUs: 0,
    steps: [],
  };
}

/**
 * Waits until the server is idle (at least 2.5 s, nothing on its run queue: the viewer counts, broadcast
 * once a second while they change, have settled), then reads its stats three times, 200 ms apart; returns
 * the last reading.
 */
export async function settle(target: Target): Promise<Stats> {
  const start = now();
  let st = await readStats(target);
  while (now() - start < 2500 || st.runQueue > 0) {
    await sleep(250);
    st = await readStats(target);
    if (now() - start > 30_000) break;
  }
  for (let i = 0; i < 3; i++) {
    await sleep(200);
    st = await readStats(target);
  }
  return st;
}
