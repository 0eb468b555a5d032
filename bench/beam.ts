/**
 * The BEAM beside Cinder in `npm run bench`: compiles `actors_beam.erl` (beside this file) with `erlc` into a
 * temporary folder at run time and runs its workloads with one scheduler (`+S 1`, the fair match for one
 * Node thread) and with the default (one per core). Null when `erl`/`erlc` are not on the machine.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
/** bench/actors_beam.erl: the sources sit beside bench/dist. */
const SOURCE = fileURLToPath(new URL("../actors_beam.erl", import.meta.url));

/** One BEAM run's figures: rates per second, bytes per idle process. */
export interface BeamFigures {
  spawnRate: number;
  spawnBytes: number;
  oneToOne: number;
  ring: number;
  fanOut: number;
}

export interface BeamSizes {
  spawnN: number;
  msgN: number;
  ringSize: number;
  ringHops: number;
  fanSize: number;
  fanN: number;
  runs: number;
}

/** Whether `erl` runs and `erlc` exists here (`erlc` has no option that exits 0, so only its start counts). */
export function beamAvailable(): boolean {
  const erl = spawnSync("erl", ["-noshell", "-eval", "halt()."], { stdio: "ignore" });
  const erlc = spawnSync("erlc", [], { stdio: "ignore" });
  return erl.error === undefined && erl.status === 0 && erlc.error === undefined;
}

/** Runs the workloads with `+S 1` and with the default schedulers; null if the BEAM is not here. */
export async function runBeam(sizes: BeamSizes): Promise<{ one: BeamFigures; all: BeamFigures } | null> {
  if (!beamAvailable()) return null;
  const dir = mkdtempSync(join(tmpdir(), "cinder-beam-"));
  try {
    await run("erlc", ["-o", dir, SOURCE]);
    const args = [
      sizes.spawnN,
      sizes.msgN,
      sizes.ringSize,
      sizes.ringHops,
      sizes.fanSize,
      sizes.fanN,
      sizes.runs,
    ].join(",");
    const once = async (schedulers: string[]): Promise<BeamFigures> => {
      const { stdout } = await run(
        "erl",
        [
          "-noshell",
          ...schedulers,
          "+P",
          String(2 * sizes.spawnN + 100_000),
          "-pa",
          dir,
          "-eval",
          `actors_beam:main([${args}]), halt().`,
        ],
        { maxBuffer: 1 << 20 },
      );
      const m = /^beam (\S+) (\S+) (\S+) (\S+) (\S+)$/m.exec(stdout);
      if (m === null) throw new Error(`the BEAM bench printed no figures: ${stdout.slice(0, 500)}`);
      const [spawnRate, spawnBytes, oneToOne, ring, fanOut] = m.slice(1).map(Number);
      return { spawnRate, spawnBytes, oneToOne, ring, fanOut };
    };
    const one = await once(["+S", "1"]);
    const all = await once([]);
    return { one, all };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
