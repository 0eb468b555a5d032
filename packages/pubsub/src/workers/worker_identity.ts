import { availableParallelism } from "node:os";

/** The environment variable through which `startWorkers` tells each worker its index. */
export const WORKER_INDEX_ENV = "CINDER_WORKER_INDEX";

/** The most workers one primary runs. */
export const MAX_WORKERS = 1024;

/**
 * This process's index among the workers of `startWorkers` (0, 1, ...; a restarted worker keeps its
 * predecessor's), or null when it is not one of them.
 */
export function workerIndex(env: NodeJS.ProcessEnv = process.env): number | null {
  const v = env[WORKER_INDEX_ENV];
  if (v === undefined || v === "") return null;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n >= MAX_WORKERS)
    throw new Error(
      `${WORKER_INDEX_ENV} must be an integer from 0 to ${MAX_WORKERS - 1}, got ${JSON.stringify(v)}`,
    );
  return n;
}

/**
 * The node name of this worker: `base` and its index (`a-0`, `a-1`, ...), so that workers of one machine, and
 * of several machines sharing Redis with different `base` names, never collide; `base` alone outside workers.
 */
export function workerNode(base: string, env: NodeJS.ProcessEnv = process.env): string {
  const i = workerIndex(env);
  return i === null ? base : `${base}-${i}`;
}

/**
 * A worker count as written in a setting such as `WORKERS`: `auto` (one per CPU the process may use), or an
 * integer from 1 to 1024. Anything else throws, naming `where`.
 */
export function parseWorkerCount(value: string | number, where = "WORKERS"): number {
  if (value === "auto") return availableParallelism();
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new Error(
      `${where} must be "auto" or an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`,
    );
  return n;
}
