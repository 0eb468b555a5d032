import type { IncomingMessage, ServerResponse } from "node:http";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { call, runtime } from "@cinder/actors";
import type { Endpoint, Logger } from "@cinder/liveview";
import { DropCounter, type PubSub } from "@cinder/pubsub";
import { nowMs } from "./clock.js";
import type { Deployment } from "./deployment.js";
import { type StatsAccess, statsRequest } from "./stats_access.js";
import { TOPIC } from "./steps.js";
import { TRACKER } from "./tracker.js";

/** The parts of the node running now (either is null while its owner restarts). */
export interface LiveParts {
  endpoint: Endpoint | null;
  pubsub: PubSub | null;
}

/** When a step was broadcast on this node (epoch ms), and the process's CPU time then. */
interface StepMark {
  event: string;
  at: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

/** How many step marks `/stats.json` keeps (eight deploys' worth): bounded, however long the node runs. */
const MAX_MARKS = 32;

/**
 * What a load generator (and an operator) reads to measure a node, on three JSON paths: `/stats.json` (memory,
 * CPU, process counts, connections, the PubSub's counters, cluster messages dropped, and the server's clock and
 * CPU at each step's broadcast, to tell a step's cost), `/gc.json` (the last garbage collections, to line up
 * with steps) and `/deployment.json` (the tracker's current deploy). They expose the node's internals, so they
 * answer only as the node's `StatsAccess` allows.
 */
export class Instrumentation {
  /** Messages of other nodes that failed their guard, by kind. */
  readonly dropped: DropCounter;
  readonly #marks: StepMark[] = [];

  constructor(
    private readonly node: string,
    logger: Logger,
    private readonly access: StatsAccess,
  ) {
    this.dropped = new DropCounter((line) =>
      logger.log("warn", `deploy demo: a cluster message was ${line}`),
    );
    watchGc();
  }

  /** Notes a broadcast as it is made: one on the deployments topic is a step, stamped with the clock and CPU. */
  readonly mark = (topic: string, event: string): void => {
    if (topic !== TOPIC) return;
    const cpu = process.cpuUsage();
    this.#marks.push({ event, at: nowMs(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
    if (this.#marks.length > MAX_MARKS) this.#marks.shift();
  };

  /**
   * Answers `req` if it asks for one of the JSON paths and may, and says whether it did. A refused request is
   * not answered here: it goes on to the endpoint, which answers 404 as for any unknown path.
   */
  serve(req: IncomingMessage, res: ServerResponse, live: LiveParts): boolean {
    switch (statsRequest(req, this.access)) {
      case "/stats.json":
        json(res, {
          ...processStats(this.node),
          connections: live.endpoint?.connections ?? 0,
          pubsub: live.pubsub?.stats() ?? null,
          droppedMessages: this.dropped.counts(),
          steps: this.#marks,
        });
        return true;
      case "/gc.json":
        json(res, gcLog);
        return true;
      case "/deployment.json":
        // The tracker's current deploy: its payload's `startedAt + times[step]` is when each step was broadcast.
        call<Deployment | null>(TRACKER, { op: "current" }).then(
          (d) => json(res, d),
          (err) => res.writeHead(503, { "content-type": "text/plain" }).end(String(err)),
        );
        return true;
      default:
        return false;
    }
  }
}

/** The last garbage collections (epoch ms start, pause ms, kind), for /gc.json. */
const gcLog: { at: number; ms: number; kind: string }[] = [];
// One observer per process, however many nodes a test starts in it: GC pauses belong to the process.
let gcObserver: PerformanceObserver | null = null;

function watchGc(): void {
  if (gcObserver !== null) return;
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcLog.push({
        at: performance.timeOrigin + e.startTime,
        ms: e.duration,
        kind: kinds[kind] ?? String(kind),
      });
      if (gcLog.length > 512) gcLog.shift();
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
}

/** The process's memory, CPU time and process counts, and this node's clock. */
function processStats(node: string) {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    node,
    now: nowMs(),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    external: mem.external,
    // Where the heap's memory is (what RSS holds beyond the live objects: the young generation, free space).
    heapSpaces: Object.fromEntries(
      getHeapSpaceStatistics().map((sp) => [
        sp.space_name,
        { size: sp.space_size, used: sp.space_used_size, physical: sp.physical_space_size },
      ]),
    ),
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    ...runtime().stats(),
  };
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}
