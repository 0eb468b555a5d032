/**
 * Connecting the clients, in two halves, each followed by a settle and a memory reading: the second half's
 * RSS over its views is the marginal cost of a view, free of what the first connections cost once (the
 * young generation growing to its working size, compiled code).
 */
import type { Target } from "./client/http.js";
import type { PoolEvent } from "./client/pool-protocol.js";
import type { Generator } from "./generator.js";
import type { Log } from "./log.js";
import { type Quantiles, quantiles } from "./quantiles.js";
import { type Stats, settle } from "./server-stats.js";

type ConnectedEvent = Extract<PoolEvent, { type: "connected" }>;

export interface Connected {
  /** Each generator's report after the first half, and after the second. */
  first: ConnectedEvent[];
  second: ConnectedEvent[];
  /** The server's stats once settled after the first half. */
  half: Stats;
  joined: number;
  joinedAtHalf: number;
  failed: number;
  /** The two halves' connect time, without the settle between them. */
  seconds: number;
  joinMs: Quantiles;
}

export async function connectClients(
  generators: Generator[],
  target: Target,
  clients: number,
  log: Log,
): Promise<Connected> {
  log(`connecting ${clients} clients through ${generators.length} generator(s)`);
  const stopProgress = logProgress(generators, log);
  const first = await connectBatch(generators, 0.5);
  const half = await settle(target);
  const second = await connectBatch(generators, 1);
  stopProgress();
  const batches = [first, second];
  const joined = second.reduce((a, c) => a + c.joined, 0);
  const joinedAtHalf = first.reduce((a, c) => a + c.joined, 0);
  const failed = batches.flat().reduce((a, c) => a + c.failed, 0);
  const seconds =
    batches.reduce((a, b) => a + Math.max(...b.map((c) => c.end)) - Math.min(...b.map((c) => c.start)), 0) /
    1000;
  const joinMs = quantiles(batches.flat().flatMap((c) => c.joinMs));
  log(`${joined} joined, ${failed} failed in ${seconds.toFixed(1)} s (${(joined / seconds).toFixed(0)}/s)`);
  return { first, second, half, joined, joinedAtHalf, failed, seconds, joinMs };
}

/** Every generator connects its clients up to `fraction` of its share; resolves with their reports. */
function connectBatch(generators: Generator[], fraction: number): Promise<ConnectedEvent[]> {
  return Promise.all(
    generators.map((g) => g.ask({ type: "connect", upTo: Math.ceil(g.clients * fraction) }, "connected")),
  );
}

/** Logs how many have joined every 2 s, until the returned function is called. */
function logProgress(generators: Generator[], log: Log): () => void {
  let joinedSoFar = new Map<number, number>();
  const progress = setInterval(() => {
    const j = [...joinedSoFar.values()].reduce((a, b) => a + b, 0);
    log(`  ${j} joined`);
  }, 2000);
  for (const g of generators) {
    g.on((e) => {
      if (e.type === "progress" || e.type === "connected") joinedSoFar.set(e.worker, e.joined);
    });
  }
  return () => {
    clearInterval(progress);
    joinedSoFar = new Map();
  };
}
