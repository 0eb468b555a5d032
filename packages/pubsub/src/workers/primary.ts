import cluster, { type Worker } from "node:cluster";
import { consoleLogger, type LogFunction, type Logger, toLogger } from "@cinder/actors";
import { WorkersHub } from "./hub.js";
import { childChannel, type IpcChannel } from "./ipc_channel.js";
import { parseWorkerCount, WORKER_INDEX_ENV } from "./worker_identity.js";

/** Options for `startWorkers`. */
export interface StartWorkersOptions {
  /** How many workers: an integer from 1 to 1024, or `"auto"` (one per CPU this process may use). */
  count: number | "auto";
  /** The script each worker runs (default: this process's own, as `node:cluster` does). */
  exec?: string;
  /** Environment for every worker, on top of this process's. */
  env?: Record<string, string>;
  /**
   * Restart intensity: more than `maxRestarts` worker deaths within `withinMs` and the primary gives up (stops
   * every worker, settles `failed`), rather than fork a worker that keeps dying forever. Default 5 in 30 s.
   */
  maxRestarts?: number;
  withinMs?: number;
  /** Where worker deaths and restarts are logged (default stderr, filtered by `LOG_LEVEL`). */
  logger?: Logger | LogFunction;
  /**
   * Called with each worker's channel when it is forked (again after each restart), for the app's own
   * messages to the primary; what it returns is called when that worker exits.
   */
  onWorker?(channel: IpcChannel, index: number): (() => void) | undefined;
}

/** The running workers, from the primary. */
export interface Workers {
  /** How many workers run (restarts keep the count). */
  readonly count: number;
  /** The hub relaying the workers adapter's broadcasts between them. */
  readonly hub: WorkersHub;
  /** Resolves with the port once every worker listens (each worker's first `listen`). */
  readonly listening: Promise<number>;
  /** Settles with the reason if the primary gave up (restart intensity reached); it stopped every worker. */
  readonly failed: Promise<string>;
  /** The process id of each worker now, by index. */
  pids(): number[];
  /** Restarts since start. */
  restarts(): number;
  /** Stops every worker (SIGTERM; SIGKILL after `timeoutMs`, default 10 s) and restarts none. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Runs the app on `count` worker processes sharing its listening ports (`node:cluster`: the primary accepts
 * connections and hands them to the workers in turn). Call it in the primary (`cluster.isPrimary`); each
 * worker runs the same script with `CINDER_WORKER_INDEX` set (see `workerIndex`, `workerNode`) and starts its
 * PubSub with `workers()` (this machine) or `redis()` (several machines). A worker that dies is forked again
 * with the same index: its clients reconnect to the others, or to it, and rejoin.
 */
export function startWorkers(opts: StartWorkersOptions): Workers {
  if (!cluster.isPrimary) throw new Error("startWorkers: call it in the primary process (cluster.isPrimary)");
  const count = parseWorkerCount(opts.count, "startWorkers: count");
  const maxRestarts = opts.maxRestarts ?? 5;
  const withinMs = opts.withinMs ?? 30_000;
  if (!(Number.isInteger(maxRestarts) && maxRestarts >= 0))
    throw new TypeError(`startWorkers: maxRestarts must be an integer >= 0, got ${opts.maxRestarts}`);
  if (!(withinMs > 0))
    throw new TypeError(`startWorkers: withinMs must be a positive number, got ${opts.withinMs}`);
  const logger = toLogger(opts.logger ?? consoleLogger(), "startWorkers");
  const hub = new WorkersHub({ logger });
  if (opts.exec !== undefined) cluster.setupPrimary({ exec: opts.exec });

  const byIndex = new Array<Worker | null>(count).fill(null);
  const deaths: number[] = [];
  let restarts = 0;
  let stopping = false;
  let giveUp: (reason: string) => void = () => {};
  const failed = new Promise<string>((r) => {
    giveUp = r;
  });
  let listened = 0;
  let onListening: (port: number) => void = () => {};
  const listening = new Promise<number>((r) => {
    onListening = r;
  });

  const fork = (index: number): void => {
    const worker = cluster.fork({ ...opts.env, [WORKER_INDEX_ENV]: String(index) });
    byIndex[index] = worker;
    const channel = childChannel(worker);
    const leaveHub = hub.connect(channel);
    const leaveApp = opts.onWorker?.(channel, index);
    let first = true;
    worker.on("listening", (address) => {
      if (!first) return;
      first = false;
      if (++listened === count) onListening(address.port);
    });
    worker.once("exit", (code, signal) => {
      leaveHub();
      leaveApp?.();
      if (byIndex[index] === worker) byIndex[index] = null;
      if (stopping) return;
      const how = signal !== null ? `signal ${signal}` : `code ${code}`;
      const now = Date.now();
      deaths.push(now);
      while (deaths.length > 0 && deaths[0] < now - withinMs) deaths.shift();
      if (deaths.length > maxRestarts) {
        const reason = `worker ${index} exited (${how}): ${deaths.length} worker deaths within ${withinMs} ms, past maxRestarts (${maxRestarts})`;
        logger.log("error", `workers: ${reason}; giving up and stopping every worker`);
        void stop().then(() => giveUp(reason));
        return;
      }
      restarts++;
      logger.log(
        "warn",
        `workers: worker ${index} (pid ${worker.process.pid}) exited (${how}); starting another`,
      );
      fork(index);
    });
  };

  const stop = async (timeoutMs = 10_000): Promise<void> => {
    stopping = true;
    const live = byIndex.filter((w): w is Worker => w !== null && w.process.exitCode === null);
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const timer = setTimeout(() => w.process.kill("SIGKILL"), timeoutMs);
            w.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            w.process.kill("SIGTERM");
          }),
      ),
    );
  };

  for (let i = 0; i < count; i++) fork(i);
  return {
    count,
    hub,
    listening,
    failed,
    pids: () => byIndex.map((w) => w?.process.pid ?? 0),
    restarts: () => restarts,
    stop,
  };
}
