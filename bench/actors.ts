/**
 * Actor runtime benchmark: Cinder beside the plain-JS baseline, the nact actor library and, when `erl` is on
 * the machine, the BEAM (bench/actors_beam.erl, with one scheduler and with the default), in one run.
 * Run with `npm run bench` (node --expose-gc). Each figure is the median of RUNS runs.
 *
 *   spawn      spawn N idle processes; rate and heap bytes per process (pids kept alive in an array)
 *   1:1        one producer process sends N messages to one consumer process
 *   ring       1,000 processes pass one token round a ring, N hops
 *   fan-out    one process sends round-robin to 10,000 processes, N deliveries
 */

import {
  cinderFanOut,
  cinderFreeSpawn,
  cinderOneToOne,
  cinderOneToOneOutside,
  cinderRing,
  cinderSpawn,
} from "./actors_cinder.js";
import { nactFanOut, nactOneToOne, nactRing, nactSpawn } from "./actors_nact.js";
import { bareFanOut, bareOneToOne, bareRing, bareSpawn } from "./actors_plain.js";
import { type BeamFigures, runBeam } from "./beam.js";
import { machine, median, medianOf, printTable, rate, tick } from "./lib.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 1 : 3;
const SPAWN_N = quick ? 100_000 : 1_000_000;
const MSG_N = quick ? 1_000_000 : 10_000_000;
const RING_SIZE = 1_000;
const RING_HOPS = quick ? 1_000_000 : 10_000_000;
const FAN_SIZE = 10_000;
const FAN_N = 1_000_000;
// nact is ~20x slower; it gets smaller N (rates are per second, so they stay comparable).
const NACT_DIV = 10;

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.warn("(run with --expose-gc for heap figures)");
  console.log(`Actors benchmark on ${machine()}; median of ${RUNS} run(s)${quick ? " (--quick sizes)" : ""}`);

  const spawnRuns = async (
    f: (n: number) => Promise<{ rate: number; bytes: number }> | { rate: number; bytes: number },
    n: number,
  ) => {
    const rates: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await f(n);
      rates.push(r.rate);
      bytes.push(r.bytes);
      await tick();
    }
    return { rate: median(rates), bytes: median(bytes) };
  };

  const cs = await spawnRuns(cinderSpawn, SPAWN_N);
  const ct = await spawnRuns((n) => cinderSpawn(n, true), SPAWN_N);
  const bs = await spawnRuns(bareSpawn, SPAWN_N);
  const ns = await spawnRuns(nactSpawn, SPAWN_N / NACT_DIV);

  const run = (f: () => Promise<number> | number) =>
    medianOf(RUNS, async () => {
      const v = await f();
      await tick();
      return v;
    });
  const c11 = await run(() => cinderOneToOne(MSG_N));
  const t11 = await run(() => cinderOneToOne(MSG_N, true));
  const c11out = await run(() => cinderOneToOneOutside(MSG_N));
  // Shared and fresh alternate, and their ratio is the median of each pair's: on a loaded machine the load
  // moves between runs seconds apart, and three of one then three of the other compared two loads.
  const shared: { rate: number; bytes: number }[] = [];
  const fresh: { rate: number; bytes: number }[] = [];
  for (let i = 0; i < Math.max(RUNS, 5); i++) {
    shared.push(await cinderFreeSpawn(SPAWN_N, false));
    fresh.push(await cinderFreeSpawn(SPAWN_N, true));
  }
  const medianOfKey = (rs: { rate: number; bytes: number }[]) => ({
    rate: median(rs.map((r) => r.rate)),
    bytes: median(rs.map((r) => r.bytes)),
  });
  const freeShared = medianOfKey(shared);
  const freeFresh = medianOfKey(fresh);
  const freshRatio = median(fresh.map((f, i) => f.rate / shared[i].rate));
  const b11 = await run(() => bareOneToOne(MSG_N));
  const n11 = await run(() => nactOneToOne(MSG_N / NACT_DIV));
  const cr = await run(() => cinderRing(RING_SIZE, RING_HOPS));
  const br = await run(() => bareRing(RING_SIZE, RING_HOPS));
  const nr = await run(() => nactRing(RING_SIZE, RING_HOPS / NACT_DIV));
  const cf = await run(() => cinderFanOut(FAN_SIZE, FAN_N));
  const bf = await run(() => bareFanOut(FAN_SIZE, FAN_N));
  const nf = await run(() => nactFanOut(FAN_SIZE, FAN_N / NACT_DIV));

  // The BEAM runs last, minutes after the rest, on the same sizes.
  const beam = await runBeam({
    spawnN: SPAWN_N,
    msgN: MSG_N,
    ringSize: RING_SIZE,
    ringHops: RING_HOPS,
    fanSize: FAN_SIZE,
    fanN: FAN_N,
    runs: RUNS,
  });

  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  // Without erl, the figures of an earlier run on another machine, marked as such (not ratios of this run).
  const quoted: Record<keyof BeamFigures, string> = {
    spawnRate: "631k/s (quoted)",
    spawnBytes: "2,648 (quoted)",
    oneToOne: "14.7M/s (quoted)",
    ring: "3.5M/s (quoted)",
    fanOut: "2.8M/s (quoted)",
  };
  const bytes = (v: number) => v.toFixed(0);
  const row = (
    name: string,
    key: keyof BeamFigures,
    c: number,
    b: number,
    n: number,
    format: (v: number) => string,
  ): string[] => [
    name,
    format(c),
    format(b),
    format(n),
    beam === null ? quoted[key] : format(beam.one[key]),
    beam === null ? "-" : format(beam.all[key]),
    x(c, b),
    x(c, n),
    beam === null ? "-" : x(c, beam.one[key]),
  ];
  printTable(
    "Actors",
    [
      "benchmark",
      "Cinder",
      "plain JS",
      "nact",
      "BEAM +S 1",
      "BEAM (all cores)",
      "Cinder / plain JS",
      "Cinder / nact",
      "Cinder / BEAM +S 1",
    ],
    [
      row("spawn (1M idle)", "spawnRate", cs.rate, bs.rate, ns.rate, rate),
      row("bytes per idle process", "spawnBytes", cs.bytes, bs.bytes, ns.bytes, bytes),
      row("1:1 messages (10M)", "oneToOne", c11, b11, n11, rate),
      row("ring hops (1,000 procs, 10M)", "ring", cr, br, nr, rate),
      row("fan-out deliveries (10k procs, 1M)", "fanOut", cf, bf, nf, rate),
    ],
  );
  printTable(
    "Actors: how a program spawns and sends",
    ["benchmark", "Cinder", "per process", "ratio", "target"],
    [
      [
        "free spawn, one shared behaviour (1M)",
        rate(freeShared.rate),
        `${bytes(freeShared.bytes)} B`,
        "1x",
        "-",
      ],
      [
        "free spawn, a new behaviour literal per call (1M)",
        rate(freeFresh.rate),
        `${bytes(freeFresh.bytes)} B`,
        `${freshRatio.toFixed(2)}x of shared`,
        ">= 0.67x (within 1.5x), <= 250 B, >= 1.5M/s",
      ],
      ["1:1, sender inside a process (10M)", rate(c11), "-", "1x", "-"],
      ["1:1, sender outside any process (10M)", rate(c11out), "-", `${x(c11out, c11)} of inside`, ">= 1x"],
    ],
  );
  console.log(`\nnact ran with N/${NACT_DIV} (rates are per second, so they compare).`);
  console.log(
    `The free spawn rows alternate shared and fresh (${shared.length} pairs); the ratio is the median of the pairs'.`,
  );
  console.log(
    `Cinder's figures are without the process table (production's default). With it (the dashboard's ` +
      `processes(), on by default outside production): spawn ${rate(ct.rate)} (${x(ct.rate, cs.rate)} of ` +
      `without), ${bytes(ct.bytes)} B per idle process (+${bytes(ct.bytes - cs.bytes)}), 1:1 ${rate(t11)} ` +
      `(${x(t11, c11)} of without).`,
  );
  console.log(
    beam === null
      ? "BEAM: erl is not on this machine; its column quotes an earlier run on another machine."
      : "BEAM: bench/actors_beam.erl, same sizes, run right after the rest; its bytes are erlang:memory(processes) per process.",
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
