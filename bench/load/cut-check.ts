/** Vanished viewers: after a cut, the server must still be there, and have let go of their connections. */
import { sleep } from "../lib.js";
import type { Target } from "./client/http.js";
import type { PoolResults } from "./client/pool-protocol.js";
import type { Log } from "./log.js";
import type { LoadResult } from "./result.js";
import type { ServerHandle } from "./server.js";
import { readStats, type Stats } from "./server-stats.js";

/** Clients the pools cut on purpose. */
export function cutCount(results: PoolResults[]): number {
  return results.reduce((a, r) => a + r.cut.length, 0);
}

/** Reads the server 1.5 s after the deploy: alive, and with only the clients still open (and the clicker). */
export async function checkCut(
  target: Target,
  server: ServerHandle,
  results: PoolResults[],
  log: Log,
): Promise<NonNullable<LoadResult["cutCheck"]>> {
  const cut = cutCount(results);
  await sleep(1500);
  let after: Stats | null = null;
  try {
    after = await readStats(target);
  } catch {
    after = null;
  }
  const stillOpen = results.reduce((a, r) => a + r.joined - r.cut.length - r.dropped, 0) + 1;
  const check = {
    cut,
    serverAlive: after !== null && !server.exited(),
    connectionsAfter: after?.connections ?? -1,
    expectedConnections: stillOpen,
    processesAfter: after?.processes ?? -1,
  };
  log(
    `cut ${cut} clients mid-deploy: server ${check.serverAlive ? "alive" : "DEAD"},` +
      ` ${check.connectionsAfter} connections left (expected ${stillOpen})`,
  );
  return check;
}
