/**
 * The deploy demo's `main.js`, unchanged, plus a heap snapshot on SIGUSR2 for `bench/view_memory.ts`: each
 * signal writes `$CINDER_SNAPSHOT_DIR/<n>.heapsnapshot` (n = 1, 2, ...) and only then renames it from a
 * `.tmp` name, so that the harness, waiting for the name, never reads half a file. Writing one forces a full
 * collection first, so the snapshot holds only what is live.
 */
import { renameSync } from "node:fs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

const dir = process.env.CINDER_SNAPSHOT_DIR ?? ".";
let taken = 0;

process.on("SIGUSR2", () => {
  taken++;
  const tmp = join(dir, `${taken}.heapsnapshot.tmp`);
  try {
    writeHeapSnapshot(tmp);
    renameSync(tmp, join(dir, `${taken}.heapsnapshot`));
  } catch (err) {
    console.error(`heap snapshot ${taken}: ${err}`);
  }
});

await import(new URL("../../apps/deploy-demo/dist/main.js", import.meta.url).href);
