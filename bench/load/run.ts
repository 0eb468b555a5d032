/**
 * One run: start the server (or use `--url`) and the generators, take a baseline, connect every client,
 * deploy with one more browser clicking, check the cut ones were let go of, and sum it all up.
 */
import { mkdirSync } from "node:fs";
import { Agent } from "node:http";
import { dirname } from "node:path";
import { sleep } from "../lib.js";
import { LiveClient } from "./client/live-client.js";
import { connectClients } from "./connect.js";
import { checkCut } from "./cut-check.js";
import { deploy } from "./deploy.js";
import { closeGenerators, type Generator, measureClocks, startGenerators } from "./generator.js";
import { type Log, say } from "./log.js";
import type { LoadOptions } from "./options.js";
import { pinSelf } from "./processes.js";
import { profilePath } from "./profile.js";
import type { LoadResult } from "./result.js";
import { remoteServer, startServer } from "./server.js";
import { countProcessTree, readStats, type Stats, settle } from "./server-stats.js";
import { memoryFigures, summarise } from "./summarise.js";

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const log: Log = (msg) => {
    if (opts.verbose) say(msg);
  };
  const profileOut = opts.profile && opts.url === null ? profilePath(opts.clients) : null;
  if (profileOut !== null) mkdirSync(dirname(profileOut), { recursive: true });
  if (opts.pin) pinSelf();
  const server = opts.url !== null ? remoteServer(opts.url) : await startServer(opts, profileOut);
  const { target } = server;
  if (opts.serverWorkers > 1 && server.pid !== null) countProcessTree(server.pid);
  log(`server on ${target.host}:${target.port} (pid ${server.pid}, open files ${server.fdLimit ?? "?"})`);

  const generators: Generator[] = [];
  let clicker: LiveClient | null = null;
  try {
    await startGenerators(opts, target, generators);
    // Baseline: the server with no clients, and each process's clock against it.
    await sleep(300);
    const base = await readStats(target);
    const offsets = await measureClocks(generators, target, log);
    const connected = await connectClients(generators, target, opts.clients, log);
    // The clicker: one more browser, in this process.
    clicker = await LiveClient.open(target, new Agent({ keepAlive: false }));
    // Let the viewer-count broadcasts (once a second while the count changes) settle, then read memory.
    const connectedStats = await settle(target);
    logMemory(
      base,
      connectedStats,
      memoryFigures(base, connected.half, connectedStats, connected.joined, connected.joinedAtHalf),
      log,
    );
    const deployed = await deploy({
      generators,
      active: generators.filter((_g, i) => connected.second[i].joined > 0),
      target,
      server,
      clicker,
      stepMs: opts.stepMs,
      profile: profileOut !== null,
    });
    const cutCheck = opts.cut > 0 ? await checkCut(target, server, deployed.results, log) : undefined;
    return summarise({
      opts,
      server,
      base,
      connectedStats,
      connected,
      offsets,
      deployed,
      cutCheck,
    });
  } finally {
    clicker?.close();
    await closeGenerators(generators, opts.workers !== 0);
    await server.stop();
  }
}

function logMemory(
  base: Stats,
  connectedStats: Stats,
  memory: ReturnType<typeof memoryFigures>,
  log: Log,
): void {
  log(
    `server: RSS ${(connectedStats.rss / 2 ** 20).toFixed(0)} MiB (baseline ${(base.rss / 2 ** 20).toFixed(0)}),` +
      ` ${(memory.rssPerView / 1024).toFixed(2)} KB/view` +
      ` (second half alone ${(memory.rssMarginal / 1024).toFixed(2)} KB/view),` +
      ` ${connectedStats.processes} processes, ${connectedStats.connections} connections`,
  );
}
