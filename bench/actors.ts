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

import { createRequire } from "node:module";
import { createRuntime, exit, type Pid, type Runtime, spawn } from "@cinder/actors";
import { type BareProc, BareScheduler } from "./baseline.js";
import { type BeamFigures, runBeam } from "./beam.js";
import { gc, heapUsed, machine, median, medianOf, printTable, rate, spawnProducer, tick } from "./lib.js";

const nact = createRequire(import.meta.url)("nact") as {
  start(): unknown;
  spawn(parent: unknown, f: (state: any, msg: any, ctx: any) => any, name?: string): unknown;
  /** Named always: nact names an anonymous actor with a random 32-bit number, and among 10,000 two collide
   * about once in a hundred runs ("child actor of name anonymous-... already exists"). */
  spawnStateless(parent: unknown, f: (msg: any, ctx: any) => any, name?: string): unknown;
  dispatch(actor: unknown, msg: unknown): void;
  stop(actor: unknown): void;
};

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

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Cinder

const idle = { init: () => 0, handleInfo: (_m: unknown, s: number) => s };

async function cinderSpawn(n: number, processTable = false): Promise<{ rate: number; bytes: number }> {
  const rt = createRuntime({ node: "bench", processTable });
  const pids: Pid[] = new Array(n);
  for (let i = 0; i < n; i++) pids[i] = undefined as unknown as Pid; // allocate the holder before measuring
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) pids[i] = rt.spawn(idle);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  pids.length = 0;
  gc();
  return { rate: r, bytes };
}

/**
 * Spawning through the free `spawn` as the README writes it: a new behaviour literal (an object and its
 * arrow functions) per call, or one shared behaviour; both in the default runtime.
 */
async function cinderFreeSpawn(n: number, fresh: boolean): Promise<{ rate: number; bytes: number }> {
  const pids: Pid[] = new Array(n);
  for (let i = 0; i < n; i++) pids[i] = undefined as unknown as Pid;
  const before = heapUsed();
  const t0 = performance.now();
  if (fresh)
    for (let i = 0; i < n; i++) pids[i] = spawn({ init: () => 0, handleInfo: (_m: unknown, s: number) => s });
  else for (let i = 0; i < n; i++) pids[i] = spawn(idle);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  // Idle processes never exit by themselves: end them so the next run starts from an empty runtime.
  for (const pid of pids) exit(pid, "kill");
  pids.length = 0;
  await tick();
  gc();
  return { rate: r, bytes };
}

/** 1:1 with the sender outside any process (top-level code), 1,000 sends per macrotask as the producer does. */
async function cinderOneToOneOutside(n: number): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  let done: (v: number) => void = () => {};
  const finished = new Promise<number>((r) => {
    done = r;
  });
  let t0 = 0;
  const consumer = rt.spawn({
    init: () => 0,
    handleInfo: (_m: number, count: number) => {
      if (++count === n) done(n / seconds(t0));
      return count;
    },
  });
  t0 = performance.now();
  for (let sent = 0; sent < n; ) {
    const end = Math.min(sent + 1000, n);
    for (let i = sent; i < end; i++) rt.send(consumer, i);
    sent = end;
    await tick();
  }
  return finished;
}

function cinderOneToOne(n: number, processTable = false): Promise<number> {
  const rt = createRuntime({ node: "bench", processTable });
  return new Promise((resolve) => {
    let t0 = 0;
    const consumer = rt.spawn({
      init: () => 0,
      handleInfo: (_m: number, count: number) => {
        if (++count === n) resolve(n / seconds(t0));
        return count;
      },
    });
    const producer = spawnProducer(rt, consumer, n);
    t0 = performance.now();
    rt.send(producer, "go");
  });
}

function cinderRing(size: number, hops: number): Promise<number> {
  const rt: Runtime = createRuntime({ node: "bench" });
  return new Promise((resolve) => {
    let t0 = 0;
    const ring: { next: Pid | null }[] = [];
    const pids: Pid[] = [];
    for (let i = 0; i < size; i++) {
      const st = { next: null as Pid | null };
      ring.push(st);
      pids.push(
        rt.spawn({
          init: () => st,
          handleInfo(left: number, s: { next: Pid | null }) {
            if (left === 0) resolve(hops / seconds(t0));
            else rt.send(s.next!, left - 1);
            return s;
          },
        }),
      );
    }
    for (let i = 0; i < size; i++) ring[i].next = pids[(i + 1) % size];
    t0 = performance.now();
    rt.send(pids[0], hops);
  });
}

function cinderFanOut(size: number, n: number): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  return new Promise((resolve) => {
    let t0 = 0;
    let got = 0;
    const sink = {
      init: () => 0,
      handleInfo: (_m: number, s: number) => {
        if (++got === n) resolve(n / seconds(t0));
        return s;
      },
    };
    const members: Pid[] = [];
    for (let i = 0; i < size; i++) members.push(rt.spawn(sink));
    const sender = rt.spawn({
      init: () => 0,
      handleInfo(_go: "go", sent: number) {
        for (let i = 0; i < size && sent < n; i++, sent++) rt.send(members[i], sent);
        if (sent < n) rt.send(sender, "go");
        return sent;
      },
    });
    t0 = performance.now();
    rt.send(sender, "go");
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Plain-JS baseline (no semantics)

function bareSpawn(n: number): { rate: number; bytes: number } {
  const s = new BareScheduler();
  const procs: BareProc[] = new Array(n);
  for (let i = 0; i < n; i++) procs[i] = undefined as unknown as BareProc;
  const noop = () => {};
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) procs[i] = s.spawn(noop);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  procs.length = 0;
  return { rate: r, bytes };
}

function bareOneToOne(n: number): number {
  const s = new BareScheduler();
  let count = 0;
  const consumer = s.spawn(() => {
    count++;
  });
  let sent = 0;
  const producer: BareProc = s.spawn(() => {
    const end = Math.min(sent + 1000, n);
    for (let i = sent; i < end; i++) s.send(consumer, i);
    sent = end;
    if (end < n) s.send(producer, "go");
  });
  const t0 = performance.now();
  s.send(producer, "go");
  s.run();
  if (count !== n) throw new Error("baseline lost messages");
  return n / seconds(t0);
}

function bareRing(size: number, hops: number): number {
  const s = new BareScheduler();
  const procs: BareProc[] = [];
  let done = false;
  for (let i = 0; i < size; i++) {
    procs.push(
      s.spawn((left: number) => {
        if (left === 0) done = true;
        else s.send(procs[(i + 1) % size], left - 1);
      }),
    );
  }
  const t0 = performance.now();
  s.send(procs[0], hops);
  s.run();
  if (!done) throw new Error("baseline ring did not finish");
  return hops / seconds(t0);
}

function bareFanOut(size: number, n: number): number {
  const s = new BareScheduler();
  let got = 0;
  const members: BareProc[] = [];
  for (let i = 0; i < size; i++)
    members.push(
      s.spawn(() => {
        got++;
      }),
    );
  let sent = 0;
  const sender: BareProc = s.spawn(() => {
    for (let i = 0; i < size && sent < n; i++, sent++) s.send(members[i], sent);
    if (sent < n) s.send(sender, "go");
  });
  const t0 = performance.now();
  s.send(sender, "go");
  s.run();
  if (got !== n) throw new Error("baseline fan-out lost messages");
  return n / seconds(t0);
}

// ---------------------------------------------------------------------------------------------------------------
// nact

async function nactSpawn(n: number): Promise<{ rate: number; bytes: number }> {
  const system = nact.start();
  const actors: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = undefined;
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) actors[i] = nact.spawn(system, (state = 0) => state, `a${i}`);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  nact.stop(system);
  actors.length = 0;
  await tick();
  return { rate: r, bytes };
}

function nactOneToOne(n: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    const consumer = nact.spawn(system, (count = 0) => {
      if (++count === n) {
        resolve(n / seconds(t0));
        nact.stop(system);
      }
      return count;
    });
    const producer = nact.spawn(system, (sent = 0, _go: string, ctx: any) => {
      const end = Math.min(sent + 1000, n);
      for (let i = sent; i < end; i++) nact.dispatch(consumer, i);
      if (end < n) nact.dispatch(ctx.self, "go");
      return end;
    });
    t0 = performance.now();
    nact.dispatch(producer, "go");
  });
}

function nactRing(size: number, hops: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    const actors: unknown[] = [];
    for (let i = 0; i < size; i++) {
      actors.push(
        nact.spawnStateless(
          system,
          (left: number) => {
            if (left === 0) {
              resolve(hops / seconds(t0));
              nact.stop(system);
            } else nact.dispatch(actors[(i + 1) % size], left - 1);
          },
          `r${i}`,
        ),
      );
    }
    t0 = performance.now();
    nact.dispatch(actors[0], hops);
  });
}

function nactFanOut(size: number, n: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    let got = 0;
    const members: unknown[] = [];
    for (let i = 0; i < size; i++)
      members.push(
        nact.spawnStateless(
          system,
          () => {
            if (++got === n) {
              resolve(n / seconds(t0));
              nact.stop(system);
            }
          },
          `m${i}`,
        ),
      );
    const sender = nact.spawn(system, (sent = 0, _go: string, ctx: any) => {
      for (let i = 0; i < size && sent < n; i++, sent++) nact.dispatch(members[i], sent);
      if (sent < n) nact.dispatch(ctx.self, "go");
      return sent;
    });
    t0 = performance.now();
    nact.dispatch(sender, "go");
  });
}

// ---------------------------------------------------------------------------------------------------------------

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
