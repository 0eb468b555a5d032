/** The harness's options, and how the command line gives them. */
import { canPin } from "./processes.js";

export interface LoadOptions {
  clients: number;
  /** Generator processes (0: the clients run inside the coordinator's process). */
  workers: number;
  /**
   * The server's worker processes (`WORKERS`; 1: one process, as without workers). With more than one, the
   * server is not pinned: its workers may run on every CPU, the generators on all but CPU 0.
   */
  serverWorkers: number;
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
  /** Measure this peer's deploy demo instead of Cinder's (null: Cinder's). */
  peer?: Peer | null;
}

/** The peers the harness can start: each a deploy demo in `bench/peers/<name>`. */
export const PEERS = ["liveviewjs"] as const;
export type Peer = (typeof PEERS)[number];

/** The command line: one run's options, and the search's. */
export interface CliOptions extends LoadOptions {
  /** Search for the largest N instead of one run, from `from` clients up to `max`. */
  search: boolean;
  max: number;
  from: number;
  /** Wait for an idle machine before the run (the search always does). */
  waitQuiet: boolean;
  /** `--peer NAME`: after Cinder's run, the same run on that peer's demo, and both side by side. */
  comparePeer: Peer | null;
}

/** `--name value` options and `--flag`s; anything not given takes its default. */
export function parseArgs(argv: string[]): CliOptions {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const clients = Number(get("clients") ?? 1000);
  const workersArg = get("workers");
  return {
    clients,
    workers: workersArg !== undefined ? Number(workersArg) : defaultWorkers(clients),
    serverWorkers: Number(get("server-workers") ?? 1),
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
    comparePeer: peerArg(get("peer")),
  };
}

/** One generator per 2,500 clients, at least 2: each stays well below a saturated event loop. */
export function defaultWorkers(clients: number): number {
  return Math.max(2, Math.min(8, Math.ceil(clients / 2500)));
}

function peerArg(name: string | undefined): Peer | null {
  if (name === undefined) return null;
  if (!(PEERS as readonly string[]).includes(name))
    throw new Error(`--peer: "${name}" is not a known peer (known: ${PEERS.join(", ")})`);
  return name as Peer;
}
