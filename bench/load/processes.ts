/**
 * How the harness starts its children: with the soft open-file limit raised to the hard limit (`ulimit -n`
 * in the spawning shell), and, when pinning, on their own CPUs (`taskset`): the server alone on CPU 0,
 * the generators and the coordinator on the others, so that waking a generator never preempts the server.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

/** Raises the soft open-file limit to the hard limit, then runs the command (`sh -c RAISE_NOFILE sh cmd...`). */
const RAISE_NOFILE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

export const SERVER_CPUS = "0";
export const LOAD_CPUS = cpus().length > 2 ? `1-${cpus().length - 1}` : "1";

/** The `sh` arguments that run `script` with this Node, the open-file limit raised, on `cpuList` (null: any). */
export function nodeCommand(script: string, cpuList: string | null): string[] {
  const pinned = cpuList === null ? [] : ["taskset", "-c", cpuList];
  return ["-c", RAISE_NOFILE, "sh", ...pinned, process.execPath, script];
}

/** Whether pinning is possible here: two CPUs or more, and taskset. */
export function canPin(): boolean {
  if (cpus().length < 2) return false;
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Moves this process (every thread of it) to the load CPUs, off the server's. */
export function pinSelf(): void {
  execFileSync("taskset", ["-a", "-p", "-c", LOAD_CPUS, String(process.pid)], { stdio: "ignore" });
}
