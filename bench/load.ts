/**
 * Live views under load: N fake browsers on the deploy demo, one more clicks "Deploy to GitHub", and every
 * step's fan-out is timed from its broadcast on the server to its arrival at each client.
 *
 *   npm run bench:load -- --clients 10000            one run; prints a table, writes bench/results/load-N.json
 *   npm run bench:load -- --clients 10000 --cut 0.1  10% of the clients vanish mid-deploy (socket destroyed)
 *   npm run bench:load -- --search                   the largest N (to --max, 19,000) with spread p99 < 250 ms
 *   npm run bench:load -- --clients 10000 --profile  also profiles the server during the deploy
 *   other options: --workers W, --step-ms MS (500), --concurrency C (32 connects in flight per generator),
 *   --no-pin, --wait-quiet (wait for an idle machine first; the search always does), --url (a running server)
 *
 * Processes: this coordinator starts the demo server (`apps/deploy-demo/dist/main.js`, DEPLOY_STEP_MS small,
 * LOG_LEVEL=warn) and several generator processes (`load-client.js`, each a pool of clients on its own
 * loopback source address); the server is alone in its process. The coordinator itself holds only the
 * clicker. Open-file limits are raised to the hard limit for each child (`ulimit -n` in the spawning shell).
 * On two or more CPUs the server is pinned to CPU 0 and everything else to the others (`taskset`), so that
 * waking a generator never preempts the server.
 *
 * Clocks: every process stamps with `performance.timeOrigin + performance.now()` (epoch ms, sub-ms); the
 * server's stamp of a step's broadcast is the deploy's `startedAt + times[step]` (GET /deployment.json).
 * Each process also estimates its offset to the server's clock (the fastest of several /stats.json round
 * trips) and the figures are reported with it, so a skew would show.
 *
 * Memory: the clients connect in two halves, each followed by a settle (the viewer counts stop changing)
 * and a reading of /stats.json: RSS per view is reported over the idle server and for the second half alone.
 * CPU per step is the server's CPU from the step's broadcast until every generator has it. The server's GC
 * pauses per step (/gc.json) and the CPU other processes used during the deploy are reported too.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  clockOffset,
  getJson,
  LiveClient,
  now,
  Pool,
  type PoolCommand,
  type PoolConfig,
  type PoolEvent,
  type PoolResults,
  STEPS,
  type Target,
} from "./load-client.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

// ---------------------------------------------------------------------------------------------------------------
// Options

export interface LoadOptions {
  clients: number;
  /** Generator processes (0: clients run inside this process, as the small test does). */
  workers: number;
  /** DEPLOY_STEP_MS of the server. */
  stepMs: number;
  /** Fraction of clients cut mid-deploy (0 = none). */
  cut: number;
  /** Connects in flight per generator. */
  concurrency: number;
  /** Profile the server during the deploy (writes bench/results/load-N.cpuprofile). */
  profile: boolean;
  /** Where to write the result JSON (null: don't). */
  out: string | null;
  /** Use this server instead of starting one (`http://host:port`); stats still come from its /stats.json. */
  url: string | null;
  /** Print progress. */
  verbose: boolean;
  /**
   * Pin the server to CPU 0 and the generators (and this coordinator) to the other CPUs (`taskset`), so
   * that waking a generator never preempts the server: on one machine, the nearest to separate hosts.
   */
  pin: boolean;
}

/** Targets from the issue, at 10,000 clients. */
export const TARGETS = {
  spreadP99Ms: 75,
  clickP99Ms: 100,
  rssPerViewBytes: 10 * 1024,
  wireBytes: 86,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Result

export interface Quantiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
  min: number;
}

export interface StepResult {
  step: string;
  /** Clients that should have got it (joined, not cut) and those that did. */
  expected: number;
  received: number;
  /** Broadcast (server stamp) to arrival, per client. */
  fanoutMs: Quantiles;
  /** First client's arrival to each client's arrival: p99 and max (= first to last). */
  spreadMs: { p99: number; max: number };
  /** Websocket frame length (2-byte header + JSON payload) -> clients. */
  wireBytes: Record<string, number>;
  payloadBytes: Record<string, number>;
  /** Server CPU from this step's broadcast until the last client had it. */
  serverCpuS: number | null;
  /** Broadcast to the last client's arrival. */
  fanoutWallMs: number;
  /** The server's garbage collections during that time: count and pause ms, by kind. */
  gc: Record<string, { count: number; ms: number }>;
}

export interface LoadResult {
  bench: "live views under load";
  date: string;
  machine: string;
  commit: string;
  options: Omit<LoadOptions, "out" | "verbose">;
  connect: {
    joined: number;
    failed: number;
    seconds: number;
    perSecond: number;
    joinMs: Quantiles;
  };
  server: {
    fdLimit: number | null;
    rssBaseline: number;
    rssConnected: number;
    heapBaseline: number;
    heapConnected: number;
    views: number;
    rssPerView: number;
    /** RSS with half the clients connected, and the RSS per view of the second half alone. */
    rssHalf: number;
    viewsAtHalf: number;
    rssPerViewMarginal: number;
    heapTotal: number;
    /** Bytes of the young generation (V8's new space) in RSS: a fixed cost, grown during the connects. */
    youngGeneration: number | null;
    heapPerView: number;
    processes: number;
    connections: number;
    alive: boolean;
    /** warn/error lines the server logged (first 30). */
    log: string[];
  };
  steps: StepResult[];
  /** Click sent by the clicker to arrival of the first step at each client. */
  clickToReceiptMs: Quantiles;
  clickReplyMs: number;
  summary: {
    everyClientEveryStep: boolean;
    spreadP99Ms: number;
    clickP99Ms: number;
    fanoutP99Ms: number;
    rssPerViewBytes: number;
    wireBytesMax: number;
    wireBytesTypical: number;
    serverCpuS: number;
    /** Share of the machine's CPU (all cores) used by other processes during the deploy: a disturbed run shows. */
    otherCpuShare: number | null;
  };
  generators: {
    worker: number;
    clients: number;
    cpuMs: number;
    wallMs: number;
    /** Event-loop utilisation over the deploy, and during the fan-outs only (1 = saturated). */
    elu: number;
    fanoutElu: number;
    clockOffsetMs: number;
    clockRttMs: number;
  }[];
  errors: { count: number; dropped: number; cut: number; samples: string[] };
  cutCheck?: {
    cut: number;
    serverAlive: boolean;
    connectionsAfter: number;
    expectedConnections: number;
    processesAfter: number;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function quantiles(xs: number[]): Quantiles {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = s.length;
  const q = (p: number) => (n === 0 ? Number.NaN : s[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]);
  return { n, p50: q(0.5), p99: q(0.99), max: n ? s[n - 1] : Number.NaN, min: n ? s[0] : Number.NaN };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

function commit(): string {
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

interface Stats {
  now: number;
  rss: number;
  heapUsed: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  processes: number;
  runQueue: number;
  connections: number;
  steps: { event: string; at: number; cpuUserUs: number; cpuSystemUs: number }[];
  heapTotal?: number;
  heapSpaces?: Record<string, { size: number; used: number; physical: number }>;
}

interface Deployment {
  id: string;
  status: string;
  startedAt: number;
  times: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: open files, CPU pinning

/** Raises the soft open-file limit to the hard limit, then runs the command (`sh -c RAISE_NOFILE sh cmd...`). */
const RAISE_NOFILE = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

const SERVER_CPUS = "0";
const LOAD_CPUS = cpus().length > 2 ? `1-${cpus().length - 1}` : "1";

/** `taskset -c <cpus>` before a command, when pinning. */
function pinned(list: string | null): string[] {
  return list === null ? [] : ["taskset", "-c", list];
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

/** Seconds of CPU the whole machine has spent busy (Linux /proc/stat), or null elsewhere. */
function machineCpu(): { busyS: number } | null {
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

/** The garbage collections that started between `from` and `to` (epoch ms), by kind. */
function gcDuring(
  log: { at: number; ms: number; kind: string }[],
  from: number,
  to: number,
): Record<string, { count: number; ms: number }> {
  const out: Record<string, { count: number; ms: number }> = {};
  for (const g of log) {
    if (g.at < from || g.at > to) continue;
    const o = (out[g.kind] ??= { count: 0, ms: 0 });
    o.count++;
    o.ms = Math.round((o.ms + g.ms) * 10) / 10;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The server under test

interface ServerHandle {
  target: Target;
  pid: number | null;
  fdLimit: number | null;
  log: string[];
  exited: () => boolean;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/**
 * What the harness presents to the demo's stats paths: `STATS_TOKEN` if set, else a random one that it also
 * gives the server it starts (which, run as production, serves those paths only with a token).
 */
const statsToken = process.env.STATS_TOKEN || randomBytes(24).toString("hex");

/** Starts the demo in its own process, with the open-file limit raised to the hard limit. */
async function startServer(opts: LoadOptions, profileOut: string | null): Promise<ServerHandle> {
  const script =
    profileOut !== null ? join(here, "load-server.js") : join(root, "apps", "deploy-demo", "dist", "main.js");
  const child = spawn(
    "sh",
    ["-c", RAISE_NOFILE, "sh", ...pinned(opts.pin ? SERVER_CPUS : null), process.execPath, script],
    {
      env: {
        ...process.env,
        PORT: "0",
        DEPLOY_STEP_MS: String(opts.stepMs),
        LOG_LEVEL: "warn",
        PUBSUB: "local",
        STATS_TOKEN: statsToken,
        CINDER_PROFILE_OUT: profileOut ?? "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const log: string[] = [];
  let exited = false;
  let exitInfo = "";
  const exitP = new Promise<void>((resolve) =>
    child.on("exit", (code, sig) => {
      exited = true;
      exitInfo = `code ${code} signal ${sig}`;
      resolve();
    }),
  );
  let buffered = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buffered}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const m = /on http:\/\/localhost:(\d+)/.exec(buffered);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", () => reject(new Error(`server exited (${exitInfo}): ${buffered}`)));
  });
  child.stderr.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n")) if (line.trim() !== "" && log.length < 200) log.push(line);
  });
  let fdLimit: number | null = null;
  try {
    const limits = readFileSync(`/proc/${child.pid}/limits`, "utf8");
    const m = /Max open files\s+(\d+)/.exec(limits);
    if (m !== null) fdLimit = Number(m[1]);
  } catch {
    // not Linux
  }
  return {
    target: { host: "127.0.0.1", port, statsToken },
    pid: child.pid ?? null,
    fdLimit,
    log,
    exited: () => exited,
    signal: (sig) => child.kill(sig),
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exitP;
      clearTimeout(t);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Generators

interface Generator {
  readonly worker: number;
  readonly clients: number;
  send(cmd: PoolCommand): void;
  next<T extends PoolEvent["type"]>(type: T): Promise<Extract<PoolEvent, { type: T }>>;
  on(fn: (e: PoolEvent) => void): void;
  kill(): void;
}

/** A generator as a child process (its own event loop and CPU), or in this process when `inProcess`. */
function startGenerator(cfg: PoolConfig, inProcess: boolean, pin: boolean): Promise<Generator> {
  const listeners: ((e: PoolEvent) => void)[] = [];
  const waiting = new Map<string, ((e: PoolEvent) => void)[]>();
  const dispatch = (e: PoolEvent) => {
    const w = waiting.get(e.type);
    if (w !== undefined && w.length > 0) w.shift()!(e);
    for (const l of listeners) l(e);
  };
  const base = {
    worker: cfg.worker,
    clients: cfg.clients,
    next<T extends PoolEvent["type"]>(type: T) {
      return new Promise<Extract<PoolEvent, { type: T }>>((resolve) => {
        const list = waiting.get(type) ?? [];
        list.push(resolve as (e: PoolEvent) => void);
        waiting.set(type, list);
      });
    },
    on(fn: (e: PoolEvent) => void) {
      listeners.push(fn);
    },
  };
  if (inProcess) {
    const pool = new Pool(cfg, (e) => queueMicrotask(() => dispatch(e)));
    return Promise.resolve({
      ...base,
      send: (cmd: PoolCommand) => pool.handle(cmd),
      kill: () => pool.handle({ type: "close" }),
    });
  }
  const child = spawn(
    "sh",
    [
      "-c",
      RAISE_NOFILE,
      "sh",
      ...pinned(pin ? LOAD_CPUS : null),
      process.execPath,
      join(here, "load-client.js"),
    ],
    {
      env: { ...process.env, CINDER_LOAD_WORKER: "1", CINDER_LOAD_CONFIG: JSON.stringify(cfg) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    },
  );
  child.on("message", (e: PoolEvent) => dispatch(e));
  const gen: Generator = {
    ...base,
    send: (cmd) => {
      if (child.connected) child.send(cmd);
    },
    kill: () => child.kill("SIGKILL"),
  };
  return gen.next("ready").then(() => gen);
}

/**
 * Waits until the server is idle (at least 2.5 s, nothing on its run queue: the viewer counts, broadcast
 * once a second while they change, have settled), then reads its stats three times, 200 ms apart; returns
 * the last reading.
 */
async function settle(target: Target): Promise<Stats> {
  const start = now();
  let st = await getJson<Stats>(target, "/stats.json");
  while (now() - start < 2500 || st.runQueue > 0) {
    await sleep(250);
    st = await getJson<Stats>(target, "/stats.json");
    if (now() - start > 30_000) break;
  }
  for (let i = 0; i < 3; i++) {
    await sleep(200);
    st = await getJson<Stats>(target, "/stats.json");
  }
  return st;
}

// ---------------------------------------------------------------------------------------------------------------
// One run

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const log = (msg: string) => {
    if (opts.verbose) console.log(`[load] ${msg}`);
  };
  const profileOut =
    opts.profile && opts.url === null
      ? join(root, "bench", "results", `load-${opts.clients}.cpuprofile`)
      : null;
  if (profileOut !== null) mkdirSync(dirname(profileOut), { recursive: true });
  if (opts.pin)
    execFileSync("taskset", ["-a", "-p", "-c", LOAD_CPUS, String(process.pid)], { stdio: "ignore" });
  let server: ServerHandle;
  if (opts.url !== null) {
    const u = new URL(opts.url);
    server = {
      target: { host: u.hostname, port: Number(u.port), statsToken: process.env.STATS_TOKEN },
      pid: null,
      fdLimit: null,
      log: [],
      exited: () => false,
      signal: () => {},
      stop: async () => {},
    };
  } else {
    server = await startServer(opts, profileOut);
  }
  const { target } = server;
  log(`server on ${target.host}:${target.port} (pid ${server.pid}, open files ${server.fdLimit ?? "?"})`);

  const generators: Generator[] = [];
  const clicker: { c: LiveClient | null } = { c: null };
  try {
    // Split the clients over the generators; each gets its own loopback source address.
    const nWorkers = opts.workers === 0 ? 1 : Math.max(1, Math.min(opts.workers, opts.clients));
    for (let w = 0; w < nWorkers; w++) {
      const clients = Math.floor(opts.clients / nWorkers) + (w < opts.clients % nWorkers ? 1 : 0);
      const cfg: PoolConfig = {
        worker: w,
        target: { ...target, localAddress: opts.workers === 0 ? undefined : `127.0.0.${10 + w}` },
        clients,
        concurrency: opts.concurrency,
        heartbeatMs: 30_000,
        cutFraction: opts.cut,
        cutAtStep: 1,
      };
      generators.push(await startGenerator(cfg, opts.workers === 0, opts.pin));
    }

    // Baseline: the server with no clients, and each process's clock against it.
    await sleep(300);
    const base = await getJson<Stats>(target, "/stats.json");
    const offsets = new Map<number, { offsetMs: number; rttMs: number }>();
    for (const g of generators) {
      const p = g.next("clock");
      g.send({ type: "clock", samples: 15 });
      const c = await p;
      offsets.set(g.worker, { offsetMs: c.offsetMs, rttMs: c.rttMs });
    }
    const own = await clockOffset(target, 15);
    log(
      `clock offsets to the server: ${[...offsets.values()].map((o) => `${o.offsetMs.toFixed(2)} ms`).join(", ")}` +
        ` (coordinator ${own.offsetMs.toFixed(2)} ms)`,
    );

    // Connect everyone.
    log(`connecting ${opts.clients} clients through ${generators.length} generator(s)`);
    let joinedSoFar = new Map<number, number>();
    const progress = setInterval(() => {
      const j = [...joinedSoFar.values()].reduce((a, b) => a + b, 0);
      log(`  ${j} joined`);
    }, 2000);
    for (const g of generators) {
      g.on((e) => {
        if (e.type === "progress" || e.type === "connected") joinedSoFar.set(e.worker, e.joined);
      });
    }
    // In two halves, each followed by a settle and a memory reading: the second half's RSS over its views
    // is the marginal cost of a view, free of what the first connections cost once (the young generation
    // growing to its working size, compiled code).
    const connectBatch = (fraction: number) =>
      Promise.all(
        generators.map((g) => {
          const p = g.next("connected");
          g.send({ type: "connect", upTo: Math.ceil(g.clients * fraction) });
          return p;
        }),
      );
    const first = await connectBatch(0.5);
    const half = await settle(target);
    const second = await connectBatch(1);
    clearInterval(progress);
    joinedSoFar = new Map();
    const batches = [first, second];
    const joined = second.reduce((a, c) => a + c.joined, 0);
    const joinedAtHalf = first.reduce((a, c) => a + c.joined, 0);
    const failed = batches.flat().reduce((a, c) => a + c.failed, 0);
    // The connect time is the two batches' (without the settle between them).
    const connectS =
      batches.reduce((a, b) => a + Math.max(...b.map((c) => c.end)) - Math.min(...b.map((c) => c.start)), 0) /
      1000;
    const joinMs = quantiles(batches.flat().flatMap((c) => c.joinMs));
    log(
      `${joined} joined, ${failed} failed in ${connectS.toFixed(1)} s (${(joined / connectS).toFixed(0)}/s)`,
    );

    // The clicker: one more browser, in this process.
    clicker.c = await LiveClient.open(target, new (await import("node:http")).Agent({ keepAlive: false }));

    // Let the viewer-count broadcasts (once a second while the count changes) settle, then read memory.
    const connectedStats = await settle(target);
    const views = joined + 1;
    const marginalViews = views - joinedAtHalf;
    const rssMarginal = marginalViews > 0 ? (connectedStats.rss - half.rss) / marginalViews : Number.NaN;
    log(
      `server: RSS ${(connectedStats.rss / 2 ** 20).toFixed(0)} MiB (baseline ${(base.rss / 2 ** 20).toFixed(0)}),` +
        ` ${((connectedStats.rss - base.rss) / views / 1024).toFixed(2)} KB/view` +
        ` (second half alone ${(rssMarginal / 1024).toFixed(2)} KB/view),` +
        ` ${connectedStats.processes} processes, ${connectedStats.connections} connections`,
    );

    // Deploy.
    for (const g of generators) g.send({ type: "arm" });
    const machineBefore = machineCpu();
    const serverBefore = await getJson<Stats>(target, "/stats.json");
    const ownBefore = process.cpuUsage();
    const wallBefore = now();
    await sleep(50);
    if (profileOut !== null) {
      server.signal("SIGUSR2");
      await sleep(300);
    }
    const stepDone: (number | null)[] = STEPS.map(() => null);
    const stepCpu: (Stats | null)[] = STEPS.map(() => null);
    const reported = STEPS.map(() => new Set<number>());
    const active = generators.filter((_g, i) => second[i].joined > 0);
    let resolveAll: () => void = () => {};
    const allDone = new Promise<void>((r) => (resolveAll = r));
    for (const g of active) {
      g.on((e) => {
        if (e.type !== "step") return;
        reported[e.step].add(e.worker);
        if (reported[e.step].size === active.length && stepDone[e.step] === null) {
          stepDone[e.step] = now();
          // The server's CPU counter as soon as every generator has the step.
          getJson<Stats>(target, "/stats.json").then(
            (s) => {
              stepCpu[e.step] = s;
              if (stepCpu.every((x) => x !== null)) resolveAll();
            },
            () => {},
          );
        }
      });
    }
    const replyP = new Promise<number>((resolve) => {
      clicker.c!.onFrame = (t, text) => {
        if (text.startsWith('["1","2",')) resolve(t);
      };
    });
    const tClick = now();
    clicker.c.click("deploy");
    const tReply = await Promise.race([replyP, sleep(10_000).then(() => Number.NaN)]);
    const deadline = opts.stepMs * STEPS.length + 20_000;
    await Promise.race([allDone, sleep(deadline)]);
    await sleep(200);
    if (profileOut !== null) {
      server.signal("SIGUSR2");
      await sleep(1500);
    }

    const deployment = await getJson<Deployment | null>(target, "/deployment.json");
    const finalStats = await getJson<Stats>(target, "/stats.json");
    const machineAfter = machineCpu();
    const ownCpu = process.cpuUsage(ownBefore);
    const wallS = (now() - wallBefore) / 1000;
    const gcLog = await getJson<{ at: number; ms: number; kind: string }[]>(target, "/gc.json").catch(
      () => [],
    );
    const results: PoolResults[] = await Promise.all(
      generators.map((g) => {
        const p = g.next("results");
        g.send({ type: "results" });
        return p.then((e) => e.results);
      }),
    );
    // CPU that none of this run's processes used, over the deploy: another job on the machine, if any.
    const oursS =
      (finalStats.cpuUserUs + finalStats.cpuSystemUs - serverBefore.cpuUserUs - serverBefore.cpuSystemUs) /
        1e6 +
      results.reduce((a, r) => a + r.cpuMs, 0) / 1000 +
      (ownCpu.user + ownCpu.system) / 1e6;
    const otherCpuShare =
      machineBefore !== null && machineAfter !== null
        ? Math.max(0, (machineAfter.busyS - machineBefore.busyS - oursS) / (wallS * cpus().length))
        : null;

    // Vanished viewers: the server must still be there, and have let go of their processes.
    let cutCheck: LoadResult["cutCheck"];
    const cutCount = results.reduce((a, r) => a + r.cut.length, 0);
    if (opts.cut > 0) {
      await sleep(1500);
      let after: Stats | null = null;
      try {
        after = await getJson<Stats>(target, "/stats.json");
      } catch {
        after = null;
      }
      const stillOpen = results.reduce((a, r) => a + r.joined - r.cut.length - r.dropped, 0) + 1;
      cutCheck = {
        cut: cutCount,
        serverAlive: after !== null && !server.exited(),
        connectionsAfter: after?.connections ?? -1,
        expectedConnections: stillOpen,
        processesAfter: after?.processes ?? -1,
      };
      log(
        `cut ${cutCount} clients mid-deploy: server ${cutCheck.serverAlive ? "alive" : "DEAD"},` +
          ` ${cutCheck.connectionsAfter} connections left (expected ${stillOpen})`,
      );
    }

    // Figures.
    const broadcastAt = (s: string): number =>
      deployment !== null && typeof deployment.times[s] === "number"
        ? deployment.startedAt + deployment.times[s]
        : Number.NaN;
    const marks = finalStats.steps.filter((m) => m.at >= tClick - 1000);
    const steps: StepResult[] = STEPS.map((name, s) => {
      const b = broadcastAt(name);
      const lat: number[] = [];
      let expected = 0;
      let firstArrival = Number.POSITIVE_INFINITY;
      let lastArrival = Number.NEGATIVE_INFINITY;
      const wire: Record<string, number> = {};
      const payload: Record<string, number> = {};
      for (const r of results) {
        const cut = new Set(r.cut);
        const arr = r.arrivals[s];
        for (let i = 0; i < arr.length; i++) {
          if (cut.has(i)) continue;
          const t = arr[i];
          // Expected: every client that joined and was not cut (a dropped one counts as missing).
          expected++;
          if (Number.isNaN(t)) continue;
          lat.push(t - b);
          if (t < firstArrival) firstArrival = t;
          if (t > lastArrival) lastArrival = t;
        }
        for (const [k, v] of Object.entries(r.wireBytes[s])) wire[k] = (wire[k] ?? 0) + v;
        for (const [k, v] of Object.entries(r.payloadBytes[s])) payload[k] = (payload[k] ?? 0) + v;
      }
      // Clients that never joined are not expected; joined ones that were neither cut nor present are.
      expected -= results.reduce((a, r) => a + (r.clients - r.joined), 0);
      const fan = quantiles(lat);
      const mark = marks.find((m) => m.event === name);
      const after = stepCpu[s];
      const cpu =
        mark !== undefined && after !== null
          ? (after.cpuUserUs + after.cpuSystemUs - mark.cpuUserUs - mark.cpuSystemUs) / 1e6
          : null;
      return {
        step: name,
        expected,
        received: fan.n,
        fanoutMs: fan,
        spreadMs: { p99: fan.p99 - fan.min, max: fan.max - fan.min },
        wireBytes: wire,
        payloadBytes: payload,
        serverCpuS: cpu,
        fanoutWallMs: lastArrival - b,
        gc: gcDuring(gcLog, b, lastArrival),
      };
    });
    const click: number[] = [];
    for (const r of results) {
      const cut = new Set(r.cut);
      r.arrivals[0].forEach((t, i) => {
        if (!cut.has(i) && !Number.isNaN(t)) click.push(t - tClick);
      });
    }
    const errors = results.flatMap((r) => r.errors);
    const errorCount = results.reduce((a, r) => a + r.errorCount, 0);
    const dropped = results.reduce((a, r) => a + r.dropped, 0);
    const everyClientEveryStep =
      failed === 0 && dropped === 0 && steps.every((s) => s.received === s.expected && s.expected > 0);
    const wireSizes = steps.flatMap((s) => Object.keys(s.wireBytes).map(Number));
    const typical = steps.map((s) => {
      const e = Object.entries(s.wireBytes).sort((a, b) => b[1] - a[1])[0];
      return e === undefined ? Number.NaN : Number(e[0]);
    });
    const sortedTypical = [...typical].sort((a, b) => a - b);
    const clickQ = quantiles(click);
    const result: LoadResult = {
      bench: "live views under load",
      date: new Date().toISOString(),
      machine: machine(),
      commit: commit(),
      options: {
        clients: opts.clients,
        workers: opts.workers,
        stepMs: opts.stepMs,
        cut: opts.cut,
        concurrency: opts.concurrency,
        profile: opts.profile,
        url: opts.url,
        pin: opts.pin,
      },
      connect: {
        joined,
        failed,
        seconds: r3(connectS),
        perSecond: Math.round(joined / connectS),
        joinMs: roundQ(joinMs),
      },
      server: {
        fdLimit: server.fdLimit,
        rssBaseline: base.rss,
        rssConnected: connectedStats.rss,
        heapBaseline: base.heapUsed,
        heapConnected: connectedStats.heapUsed,
        views,
        rssPerView: Math.round((connectedStats.rss - base.rss) / views),
        rssHalf: half.rss,
        viewsAtHalf: joinedAtHalf,
        rssPerViewMarginal: Math.round(rssMarginal),
        heapTotal: connectedStats.heapTotal ?? Number.NaN,
        youngGeneration: connectedStats.heapSpaces?.new_space?.physical ?? null,
        heapPerView: Math.round((connectedStats.heapUsed - base.heapUsed) / views),
        processes: connectedStats.processes,
        connections: connectedStats.connections,
        alive: !server.exited(),
        log: server.log.slice(0, 30),
      },
      steps: steps.map((s) => ({
        ...s,
        fanoutMs: roundQ(s.fanoutMs),
        spreadMs: { p99: r1(s.spreadMs.p99), max: r1(s.spreadMs.max) },
        serverCpuS: s.serverCpuS === null ? null : r3(s.serverCpuS),
        fanoutWallMs: r1(s.fanoutWallMs),
      })),
      clickToReceiptMs: roundQ(clickQ),
      clickReplyMs: r1(tReply - tClick),
      summary: {
        everyClientEveryStep,
        spreadP99Ms: r1(Math.max(...steps.map((s) => s.spreadMs.p99))),
        clickP99Ms: r1(clickQ.p99),
        fanoutP99Ms: r1(Math.max(...steps.map((s) => s.fanoutMs.p99))),
        rssPerViewBytes: Math.round((connectedStats.rss - base.rss) / views),
        wireBytesMax: wireSizes.length > 0 ? Math.max(...wireSizes) : Number.NaN,
        wireBytesTypical: sortedTypical[Math.floor((sortedTypical.length - 1) / 2)],
        serverCpuS: r3(steps.reduce((a, s) => a + (s.serverCpuS ?? 0), 0)),
        otherCpuShare: otherCpuShare === null ? null : r3(otherCpuShare),
      },
      generators: results.map((r) => ({
        worker: r.worker,
        clients: r.clients,
        cpuMs: Math.round(r.cpuMs),
        wallMs: Math.round(r.wallMs),
        elu: r3(r.elu),
        fanoutElu: r3(r.fanoutElu),
        clockOffsetMs: r3(offsets.get(r.worker)?.offsetMs ?? Number.NaN),
        clockRttMs: r3(offsets.get(r.worker)?.rttMs ?? Number.NaN),
      })),
      errors: {
        count: errorCount,
        dropped,
        cut: cutCount,
        samples: [...errors, ...(deployment === null ? ["no deployment on /deployment.json"] : [])].slice(
          0,
          30,
        ),
      },
      ...(cutCheck !== undefined ? { cutCheck } : {}),
    };
    return result;
  } finally {
    clicker.c?.close();
    await Promise.all(
      generators.map(async (g) => {
        const p = g.next("closed");
        g.send({ type: "close" });
        await Promise.race([p, sleep(3000)]);
        if (opts.workers !== 0) setTimeout(() => g.kill(), 2000).unref();
      }),
    );
    await server.stop();
  }
}

function roundQ(q: Quantiles): Quantiles {
  return { n: q.n, p50: r1(q.p50), p99: r1(q.p99), max: r1(q.max), min: r1(q.min) };
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

function gcText(gc: Record<string, { count: number; ms: number }> | undefined): string {
  const parts = Object.entries(gc ?? {}).map(([k, v]) => `${v.count} ${k} ${v.ms.toFixed(0)} ms`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

export function printResult(r: LoadResult): void {
  const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;
  console.log(
    `\n### Live views under load: ${r.options.clients} clients${r.options.cut > 0 ? `, ${r.options.cut * 100}% cut mid-deploy` : ""}\n`,
  );
  console.log(
    `machine: ${r.machine}; commit ${r.commit}; DEPLOY_STEP_MS ${r.options.stepMs}; ${r.generators.length} generator(s)${r.options.pin ? `; server pinned to CPU ${SERVER_CPUS}, generators to CPU ${LOAD_CPUS}` : "; not pinned"}`,
  );
  console.log(
    `connect+join: ${r.connect.joined} joined, ${r.connect.failed} failed, ${r.connect.seconds.toFixed(1)} s, ${r.connect.perSecond}/s` +
      ` (per client p50 ${r.connect.joinMs.p50} ms, p99 ${r.connect.joinMs.p99} ms)`,
  );
  console.log(
    `server: RSS ${(r.server.rssConnected / 2 ** 20).toFixed(0)} MiB, ${kb(r.server.rssPerView)}/view over the idle server` +
      ` (second half of the views alone: ${kb(r.server.rssPerViewMarginal)}/view; young generation ${r.server.youngGeneration === null ? "?" : `${(r.server.youngGeneration / 2 ** 20).toFixed(0)} MiB`}),` +
      ` heap ${kb(r.server.heapPerView)}/view, ${r.server.processes} processes, open files limit ${r.server.fdLimit ?? "?"}`,
  );
  const rows = r.steps.map((s) => [
    s.step,
    `${s.received}/${s.expected}`,
    `${s.fanoutMs.p50}`,
    `${s.fanoutMs.p99}`,
    `${s.fanoutMs.max}`,
    `${s.spreadMs.p99}`,
    `${s.spreadMs.max}`,
    Object.keys(s.wireBytes).join(","),
    s.serverCpuS === null ? "?" : s.serverCpuS.toFixed(3),
    gcText(s.gc),
  ]);
  const header = [
    "step",
    "got",
    "fan-out p50 ms",
    "p99",
    "max",
    "spread p99 ms",
    "spread max",
    "wire B",
    "server CPU s",
    "server GC (pauses)",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    `click-to-receipt: p50 ${r.clickToReceiptMs.p50} ms, p99 ${r.clickToReceiptMs.p99} ms, max ${r.clickToReceiptMs.max} ms; click reply ${r.clickReplyMs} ms`,
  );
  console.log(
    `generators: ${r.generators
      .map(
        (g) =>
          `#${g.worker} ${g.clients} clients, ELU ${g.elu} (fan-out ${g.fanoutElu}), clock ${g.clockOffsetMs} ms`,
      )
      .join("; ")}`,
  );
  if (r.summary.otherCpuShare !== null)
    console.log(
      `other processes used ${(100 * r.summary.otherCpuShare).toFixed(1)}% of the machine's CPU during the deploy`,
    );
  console.log(
    `errors: ${r.errors.count}, dropped: ${r.errors.dropped}, cut: ${r.errors.cut}; every client got every step: ${r.summary.everyClientEveryStep}`,
  );
  for (const e of r.errors.samples.slice(0, 10)) console.log(`  ${e}`);
  if (r.cutCheck !== undefined) {
    console.log(
      `cut check: server ${r.cutCheck.serverAlive ? "alive" : "DEAD"}, ${r.cutCheck.connectionsAfter} connections after (expected ${r.cutCheck.expectedConnections}), ${r.cutCheck.processesAfter} processes`,
    );
  }
  if (r.server.log.length > 0) {
    console.log(`server log (warn/error, first ${Math.min(10, r.server.log.length)}):`);
    for (const l of r.server.log.slice(0, 10)) console.log(`  ${l}`);
  }
  if (r.options.clients === 10_000) {
    const ok = (b: boolean) => (b ? "met" : "MISSED");
    console.log(
      `targets at ${r.options.clients}: spread p99 ${r.summary.spreadP99Ms} ms <= ${TARGETS.spreadP99Ms}: ${ok(r.summary.spreadP99Ms <= TARGETS.spreadP99Ms)};` +
        ` click p99 ${r.summary.clickP99Ms} ms <= ${TARGETS.clickP99Ms}: ${ok(r.summary.clickP99Ms <= TARGETS.clickP99Ms)};` +
        ` RSS/view ${kb(r.summary.rssPerViewBytes)} <= 10 KB: ${ok(r.summary.rssPerViewBytes <= TARGETS.rssPerViewBytes)};` +
        ` step update ${r.summary.wireBytesMax} B (typical ${r.summary.wireBytesTypical}) <= ${TARGETS.wireBytes}: ${ok(r.summary.wireBytesMax <= TARGETS.wireBytes)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Profile summary

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

// ---------------------------------------------------------------------------------------------------------------
// Command line

function parseArgs(
  argv: string[],
): LoadOptions & { search: boolean; max: number; from: number; waitQuiet: boolean } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const clients = Number(get("clients") ?? 1000);
  const workersArg = get("workers");
  return {
    clients,
    workers: workersArg !== undefined ? Number(workersArg) : defaultWorkers(clients),
    stepMs: Number(get("step-ms") ?? 500),
    cut: Number(get("cut") ?? 0),
    concurrency: Number(get("concurrency") ?? 32),
    profile: argv.includes("--profile"),
    out: get("out") ?? null,
    url: get("url") ?? null,
    verbose: !argv.includes("--quiet"),
    pin: !argv.includes("--no-pin") && canPin(),
    search: argv.includes("--search"),
    max: Number(get("max") ?? 19_000),
    from: Number(get("clients") ?? 10_000),
    waitQuiet: argv.includes("--wait-quiet"),
  };
}

/** One generator per 2,500 clients, at least 2: each stays well below a saturated event loop. */
function defaultWorkers(clients: number): number {
  return Math.max(2, Math.min(8, Math.ceil(clients / 2500)));
}

function resultPath(opts: LoadOptions): string {
  if (opts.out !== null) return opts.out;
  const suffix = opts.cut > 0 ? `-cut${Math.round(opts.cut * 100)}` : "";
  return join(root, "bench", "results", `load-${opts.clients}${suffix}.json`);
}

function write(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

/** The largest N (to `max`) whose spread p99 stays under 250 ms: climb, then bisect to within 500. */
async function search(opts: LoadOptions, max: number): Promise<void> {
  const LIMIT = 250;
  const runs: { clients: number; spreadP99Ms: number; everyClientEveryStep: boolean; ok: boolean }[] = [];
  const attempt = async (n: number) => {
    const o = { ...opts, clients: n, workers: defaultWorkers(n), profile: false };
    await waitQuiet(900, (m) => console.log(`[load] ${m}`));
    const r = await runLoad(o);
    printResult(r);
    write(resultPath({ ...o, out: null }), r);
    const ok = r.summary.everyClientEveryStep && r.summary.spreadP99Ms < LIMIT && r.errors.count === 0;
    runs.push({
      clients: n,
      spreadP99Ms: r.summary.spreadP99Ms,
      everyClientEveryStep: r.summary.everyClientEveryStep,
      ok,
    });
    console.log(`search: N=${n} spread p99 ${r.summary.spreadP99Ms} ms -> ${ok ? "ok" : "over"}`);
    return ok;
  };
  let lo = 0;
  let hi = max + 1;
  for (let n = opts.clients; n <= max; n += 2000) {
    if (await attempt(n)) lo = n;
    else {
      hi = n;
      break;
    }
  }
  if (lo > 0 && lo < max && hi > max) {
    if (await attempt(max)) lo = max;
    else hi = max;
  }
  while (lo > 0 && hi - lo > 500) {
    const mid = Math.round((lo + hi) / 2 / 100) * 100;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  const summary = {
    bench: "live views under load: largest N with spread p99 < 250 ms",
    date: new Date().toISOString(),
    machine: machine(),
    max,
    largestN: lo,
    runs,
  };
  write(join(root, "bench", "results", "load-search.json"), summary);
  console.log(`\nlargest N with spread p99 < ${LIMIT} ms (up to ${max}): ${lo}`);
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = parseArgs(process.argv.slice(2));
  if (args.search) {
    await search({ ...args, clients: args.from }, args.max);
  } else {
    if (args.waitQuiet) await waitQuiet(900, (m) => console.log(`[load] ${m}`));
    const r = await runLoad(args);
    printResult(r);
    const path = resultPath(args);
    write(path, r);
    console.log(`\nwrote ${path}`);
    if (args.profile) {
      const prof = join(root, "bench", "results", `load-${args.clients}.cpuprofile`);
      console.log(`\nserver profile during the deploy (${prof}), top self time:`);
      for (const l of profileTop(prof)) console.log(`  ${l}`);
    }
  }
  process.exit(0);
}
