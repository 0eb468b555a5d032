/**
 * The server's processes as the kernel counts them (Linux /proc): with `--server-workers N` the server is a
 * primary and N workers, each answering /stats.json for itself alone, so CPU and memory are summed over the
 * process and its children here instead.
 */
import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) and resident bytes of a process and its children, summed. */
export interface TreeUsage {
  cpuS: number;
  rss: number;
  processes: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE = 4096;

function stat(pid: number): { ppid: number; cpuTicks: number; rssPages: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces), counted from field 3 (state).
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
  } catch {
    return null;
  }
}

/** `pid` and every live child of it (one level: a primary's workers), or null where /proc cannot be read. */
export function treeUsage(pid: number): TreeUsage | null {
  const root = stat(pid);
  if (root === null) return null;
  let cpuTicks = root.cpuTicks;
  let rssPages = root.rssPages;
  let processes = 1;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s === null || s.ppid !== pid) continue;
    cpuTicks += s.cpuTicks;
    rssPages += s.rssPages;
    processes++;
  }
  return { cpuS: cpuTicks / CLOCK_TICKS, rss: rssPages * PAGE, processes };
}
