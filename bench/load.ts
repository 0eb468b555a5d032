/**
 * Live views under load: N fake browsers on the deploy demo, one more clicks "Deploy to GitHub", and every
 * step's fan-out is timed from its broadcast on the server to its arrival at each client.
 *
 *   npm run bench:load -- --clients 10000            one run; prints a table, writes bench/results/load-N.json
 *   npm run bench:load -- --clients 10000 --cut 0.1  10% of the clients vanish mid-deploy (socket destroyed)
 *   npm run bench:load -- --search                   the largest N (to --max, 19,000) with spread p99 < 250 ms
 *   npm run bench:load -- --clients 10000 --profile  also profiles the server during the deploy
 *   npm run bench:load -- --clients 10000 --server-workers 2   the demo on 2 worker processes (WORKERS=2)
 *   npm run bench:load -- --clients 1000 --peer liveviewjs   then the same run on LiveViewJS's deploy demo
 *                                                          (bench/peers/liveviewjs), and both side by side
 *   other options: --workers W, --step-ms MS (500), --concurrency C (32 connects in flight per generator),
 *   --no-pin, --wait-quiet (wait for an idle machine first; the search always does), --url (a running server)
 *
 * Processes: this coordinator starts the demo server (`apps/deploy-demo/dist/main.js`, DEPLOY_STEP_MS small,
 * LOG_LEVEL=warn) and several generator processes (`load-client.js`, each a pool of clients on its own
 * loopback source address); the server is alone in its process. The coordinator itself holds only the
 * clicker. Open-file limits are raised to the hard limit for each child (`ulimit -n` in the spawning shell).
 * On two or more CPUs the server is pinned to CPU 0 and everything else to the others (`taskset`), so that
 * waking a generator never preempts the server.
 *
 * Clocks: every process stamps with `performance.timeOrigin + performance.now()` (epoch ms, sub-ms); the
 * server's stamp of a step's broadcast is the deploy's `startedAt + times[step]` (GET /deployment.json).
 * Each process also estimates its offset to the server's clock (the fastest of several /stats.json round
 * trips) and the figures are reported with it, so a skew would show.
 *
 * Files: `load/` holds the coordinator (options, server, generators, connect, deploy, the per-step
 * measurement, result, report, search), `load/client/` the fake browsers and their pools; `load-client.ts`
 * is a generator process's entry, `load-server.ts` the server's wrapper when profiling.
 *
 * Memory: the clients connect in two halves, each followed by a settle (the viewer counts stop changing)
 * and a reading of /stats.json: RSS per view is reported over the idle server and for the second half alone.
 * CPU per step is the server's CPU from the step's broadcast until every generator has it. The server's GC
 * pauses per step (/gc.json) and the CPU other processes used during the deploy are reported too.
 */
import { fileURLToPath } from "node:url";
import { say } from "./load/log.js";
import { waitQuiet } from "./load/machine.js";
import { parseArgs } from "./load/options.js";
import { comparisonLines, installPeer } from "./load/peer.js";
import { profilePath, profileTop } from "./load/profile.js";
import { printResult } from "./load/report.js";
import { resultPath, writeJson } from "./load/result.js";
import { runLoad } from "./load/run.js";
import { search } from "./load/search.js";

export type { LoadOptions } from "./load/options.js";
export { printResult, TARGETS } from "./load/report.js";
export type { LoadResult, StepResult } from "./load/result.js";
export { runLoad } from "./load/run.js";

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.search) {
    await search({ ...args, clients: args.from }, args.max);
    return;
  }
  if (args.comparePeer !== null) installPeer(args.comparePeer, say);
  if (args.waitQuiet) await waitQuiet(900, say);
  const r = await runLoad(args);
  printResult(r);
  const path = resultPath(args);
  writeJson(path, r);
  console.log(`\nwrote ${path}`);
  if (args.comparePeer !== null) {
    const out = args.out === null ? null : `${args.out.replace(/\.json$/, "")}-${args.comparePeer}.json`;
    const peerArgs = { ...args, peer: args.comparePeer, profile: false, serverWorkers: 1, out };
    if (args.waitQuiet) await waitQuiet(900, say);
    const p = await runLoad(peerArgs);
    printResult(p);
    const peerPath = resultPath(peerArgs);
    writeJson(peerPath, p);
    console.log(`\nwrote ${peerPath}`);
    for (const l of comparisonLines(r, p, args.comparePeer)) console.log(l);
  }
  if (args.profile) {
    const prof = profilePath(args.clients);
    console.log(`\nserver profile during the deploy (${prof}), top self time:`);
    for (const l of profileTop(prof)) console.log(`  ${l}`);
  }
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  await main(process.argv.slice(2));
  process.exit(0);
}
