/**
 * Profiling the server during the deploy (`--profile`): where the profile goes, switching the profiler of
 * `load-server.js` on and off, and the functions with the most self time in what it wrote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../lib.js";
import { resultsDir, root } from "./paths.js";
import type { ServerHandle } from "./server.js";

/** bench/results/load-N.cpuprofile. */
export function profilePath(clients: number): string {
  return join(resultsDir, `load-${clients}.cpuprofile`);
}

/** Starts or stops the server's profiler (SIGUSR2 toggles it), then gives it `ms` to do so. */
export async function toggleProfiler(server: ServerHandle, ms: number): Promise<void> {
  server.signal("SIGUSR2");
  await sleep(ms);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The functions with the most self time in a .cpuprofile, as lines for the console and the README. */
export function profileTop(path: string, n = 20): string[] {
  const p = JSON.parse(readFileSync(path, "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^file:\/\//, "").replace(`${root}/`, "");
    const key =
      `${f.functionName || "(anonymous)"} ${file === "" ? "" : `${file}:${f.lineNumber + 1}`}`.trim();
    agg.set(key, (agg.get(key) ?? 0) + us);
  }
  return [...agg]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, us]) =>
        `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms  ${k}`,
    );
}
