import v8 from "node:v8";
import vm from "node:vm";

// Tests run in vitest's worker processes, which do not start with --expose-gc; this turns it on at run time.
v8.setFlagsFromString("--expose-gc");
const collect = vm.runInNewContext("gc") as () => void;

/** Heap in use after full collections (and a turn of the event loop, so finalised work is gone). */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    collect();
  }
  return process.memoryUsage().heapUsed;
}

/** Scale for soak runs: `SOAK=1` (npm run soak) runs the full sizes, `npm test` small ones. */
export const SOAK = process.env.SOAK === "1";

/** `full` under `npm run soak`, else `small`. */
export function size(small: number, full: number): number {
  return SOAK ? full : small;
}
