/** The search mode (`--search`): the largest N (to `max`) whose spread p99 stays under 250 ms. */
import { join } from "node:path";
import { machine } from "../lib.js";
import { say } from "./log.js";
import { waitQuiet } from "./machine.js";
import { defaultWorkers, type LoadOptions } from "./options.js";
import { resultsDir } from "./paths.js";
import { printResult } from "./report.js";
import { resultPath, writeJson } from "./result.js";
import { runLoad } from "./run.js";

const LIMIT = 250;

interface SearchRun {
  clients: number;
  spreadP99Ms: number;
  everyClientEveryStep: boolean;
  ok: boolean;
}

/**
 * Climbs from `opts.clients` by 2,000, then bisects to within 500. Each run waits for an idle machine and
 * writes its own result; the search writes bench/results/load-search.json.
 */
export async function search(opts: LoadOptions, max: number): Promise<void> {
  const runs: SearchRun[] = [];
  const attempt = async (n: number) => {
    const run = await measureAt(opts, n);
    runs.push(run);
    return run.ok;
  };
  let lo = 0;
  let hi = max + 1;
  for (let n = opts.clients; n <= max; n += 2000) {
    if (await attempt(n)) lo = n;
    else {
      hi = n;
      break;
    }
  }
  if (lo > 0 && lo < max && hi > max) {
    if (await attempt(max)) lo = max;
    else hi = max;
  }
  while (lo > 0 && hi - lo > 500) {
    const mid = Math.round((lo + hi) / 2 / 100) * 100;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  const summary = {
    bench: "live views under load: largest N with spread p99 < 250 ms",
    date: new Date().toISOString(),
    machine: machine(),
    max,
    largestN: lo,
    runs,
  };
  writeJson(join(resultsDir, "load-search.json"), summary);
  console.log(`\nlargest N with spread p99 < ${LIMIT} ms (up to ${max}): ${lo}`);
}

/** One run of the search at `n` clients, printed and written like any run. */
async function measureAt(opts: LoadOptions, n: number): Promise<SearchRun> {
  const o = { ...opts, clients: n, workers: defaultWorkers(n), profile: false };
  await waitQuiet(900, say);
  const r = await runLoad(o);
  printResult(r);
  writeJson(resultPath({ ...o, out: null }), r);
  const ok = r.summary.everyClientEveryStep && r.summary.spreadP99Ms < LIMIT && r.errors.count === 0;
  console.log(`search: N=${n} spread p99 ${r.summary.spreadP99Ms} ms -> ${ok ? "ok" : "over"}`);
  return {
    clients: n,
    spreadP99Ms: r.summary.spreadP99Ms,
    everyClientEveryStep: r.summary.everyClientEveryStep,
    ok,
  };
}
