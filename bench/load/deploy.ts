/**
 * The deploy under measurement: the clicker clicks "Deploy to GitHub", every generator reports each step
 * once all its clients have it, and the server's CPU counter is read as soon as every generator has a step.
 * Afterwards, the server's account of the deploy and every generator's arrivals are gathered.
 */
import { sleep } from "../lib.js";
import { now } from "./client/clock.js";
import { getJson, type Target } from "./client/http.js";
import type { LiveClient } from "./client/live-client.js";
import type { PoolResults } from "./client/pool-protocol.js";
import { STEPS } from "./client/steps.js";
import { collectResults, type Generator } from "./generator.js";
import { machineCpu, otherCpuShare } from "./machine.js";
import { toggleProfiler } from "./profile.js";
import type { ServerHandle } from "./server.js";
import { type Deployment, type GcEntry, readStats, type Stats } from "./server-stats.js";
import { treeUsage } from "./server-tree.js";

export interface DeployRun {
  generators: Generator[];
  /** The generators with at least one client joined: the ones a step waits for. */
  active: Generator[];
  target: Target;
  server: ServerHandle;
  clicker: LiveClient;
  stepMs: number;
  /** Signal the server to start and stop its profiler around the deploy. */
  profile: boolean;
}

export interface Deployed {
  /** When the click was sent, and when its reply arrived (NaN: none within 10 s). */
  tClick: number;
  tReply: number;
  deployment: Deployment | null;
  finalStats: Stats;
  /** Per step, the server's stats as soon as every generator had it (null: never). */
  stepCpu: (Stats | null)[];
  gcLog: GcEntry[];
  results: PoolResults[];
  otherCpuShare: number | null;
  /**
   * The server's CPU seconds, every process of it (/proc), from just before the click until every generator
   * had every step: the whole deploy's cost, whatever the number of workers (null off Linux).
   */
  serverCpuDeployS: number | null;
}

export async function deploy(run: DeployRun): Promise<Deployed> {
  const { generators, target, server, clicker } = run;
  for (const g of generators) g.send({ type: "arm" });
  const machineBefore = machineCpu();
  const serverBefore = await readStats(target);
  const treeBefore = server.pid === null ? null : treeUsage(server.pid);
  const ownBefore = process.cpuUsage();
  const wallBefore = now();
  await sleep(50);
  if (run.profile) await toggleProfiler(server, 300);
  const watch = watchSteps(run.active, target);
  const replyP = new Promise<number>((resolve) => {
    clicker.onFrame = (t, text) => {
      if (text.startsWith('["1","2",')) resolve(t);
    };
  });
  const tClick = now();
  clicker.click("deploy");
  const tReply = await Promise.race([replyP, sleep(10_000).then(() => Number.NaN)]);
  const deadline = run.stepMs * STEPS.length + 20_000;
  await Promise.race([watch.allDone, sleep(deadline)]);
  const treeAfter = server.pid === null ? null : treeUsage(server.pid);
  await sleep(200);
  if (run.profile) await toggleProfiler(server, 1500);

  const deployment = await getJson<Deployment | null>(target, "/deployment.json");
  const finalStats = await readStats(target);
  const machineAfter = machineCpu();
  const ownCpu = process.cpuUsage(ownBefore);
  const wallS = (now() - wallBefore) / 1000;
  const gcLog = await getJson<GcEntry[]>(target, "/gc.json").catch(() => []);
  const results = await collectResults(generators);
  // CPU that none of this run's processes used, over the deploy: another job on the machine, if any.
  const oursS =
    (finalStats.cpuUserUs + finalStats.cpuSystemUs - serverBefore.cpuUserUs - serverBefore.cpuSystemUs) /
      1e6 +
    results.reduce((a, r) => a + r.cpuMs, 0) / 1000 +
    (ownCpu.user + ownCpu.system) / 1e6;
  return {
    tClick,
    tReply,
    deployment,
    finalStats,
    stepCpu: watch.stepCpu,
    gcLog,
    results,
    otherCpuShare: otherCpuShare(machineBefore, machineAfter, oursS, wallS),
    serverCpuDeployS: treeBefore === null || treeAfter === null ? null : treeAfter.cpuS - treeBefore.cpuS,
  };
}

/**
 * Follows the generators' step reports: once every active generator has a step, reads the server's CPU
 * counter; `allDone` resolves when every step has its reading.
 */
function watchSteps(
  active: Generator[],
  target: Target,
): { stepCpu: (Stats | null)[]; allDone: Promise<void> } {
  const asked = STEPS.map(() => false);
  const stepCpu: (Stats | null)[] = STEPS.map(() => null);
  const reported = STEPS.map(() => new Set<number>());
  let resolveAll: () => void = () => {};
  const allDone = new Promise<void>((r) => (resolveAll = r));
  for (const g of active) {
    g.on((e) => {
      if (e.type !== "step") return;
      reported[e.step].add(e.worker);
      if (reported[e.step].size === active.length && !asked[e.step]) {
        asked[e.step] = true;
        readStats(target).then(
          (s) => {
            stepCpu[e.step] = s;
            if (stepCpu.every((x) => x !== null)) resolveAll();
          },
          () => {},
        );
      }
    });
  }
  return { stepCpu, allDone };
}
