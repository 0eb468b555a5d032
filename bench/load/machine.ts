/**
 * The machine a run is on: which commit it measures, how busy the machine is, and how much of its CPU other
 * jobs took during a deploy (the machine is shared; a disturbed run shows in its own results).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { sleep } from "../lib.js";
import { now } from "./client/clock.js";
import { root } from "./paths.js";

/** The short commit measured, `+changes` when packages/ or apps/ differ from it. */
export function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "packages", "apps"], {
      cwd: root,
    })
      .toString()
      .trim();
    return dirty === "" ? head : `${head}+changes`;
  } catch {
    return "unknown";
  }
}

/** Seconds of CPU the whole machine has spent busy (Linux /proc/stat), or null elsewhere. */
export function machineCpu(): { busyS: number } | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f; // idle and iowait are not busy
    // USER_HZ is 100 on Linux.
    return { busyS: (user + nice + system + irq + softirq + (steal ?? 0)) / 100 };
  } catch {
    return null;
  }
}

/**
 * Share of the machine's CPU (all cores) that none of this run's processes used over `wallS` seconds
 * (`oursS` of CPU were ours): another job on the machine, if any. Null where {@link machineCpu} is.
 */
export function otherCpuShare(
  before: { busyS: number } | null,
  after: { busyS: number } | null,
  oursS: number,
  wallS: number,
): number | null {
  return before !== null && after !== null
    ? Math.max(0, (after.busyS - before.busyS - oursS) / (wallS * cpus().length))
    : null;
}

/**
 * Waits until the machine is idle (other jobs share it): three 2-second samples in a row with less than 12% of
 * all CPUs busy. Gives up after `maxS` seconds (the run then goes ahead, and its otherCpuShare tells).
 */
export async function waitQuiet(maxS: number, log: (msg: string) => void): Promise<boolean> {
  const start = now();
  let calm = 0;
  let said = false;
  while (now() - start < maxS * 1000) {
    const a = machineCpu();
    await sleep(2000);
    const b = machineCpu();
    if (a === null || b === null) return true;
    const busy = (b.busyS - a.busyS) / (2 * cpus().length);
    calm = busy < 0.12 ? calm + 1 : 0;
    if (calm >= 3) return true;
    if (!said && calm === 0) {
      log(`waiting for the machine to be idle (${(busy * 100).toFixed(0)}% busy)`);
      said = true;
    }
  }
  return false;
}
