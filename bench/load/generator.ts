/**
 * The generators: each a pool of fake browsers in a process of its own (its own event loop and CPU) on its
 * own loopback source address, driven by commands; or, with `--workers 0`, one pool in this process.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { sleep } from "../lib.js";
import { clockOffset } from "./client/clock.js";
import type { Target } from "./client/http.js";
import { Pool } from "./client/pool.js";
import type { PoolCommand, PoolConfig, PoolEvent, PoolResults } from "./client/pool-protocol.js";
import type { Log } from "./log.js";
import type { LoadOptions } from "./options.js";
import { benchDist } from "./paths.js";
import { LOAD_CPUS, nodeCommand } from "./processes.js";

export interface Generator {
  readonly worker: number;
  readonly clients: number;
  send(cmd: PoolCommand): void;
  /** Every event, as it comes. */
  on(fn: (e: PoolEvent) => void): void;
  /** Sends `cmd` and resolves with the next `reply` event (each event goes to one asker, oldest first). */
  ask<T extends PoolEvent["type"]>(cmd: PoolCommand, reply: T): Promise<Extract<PoolEvent, { type: T }>>;
  kill(): void;
}

/** What each process measured of its clock against the server's. */
export type ClockOffsets = Map<number, { offsetMs: number; rttMs: number }>;

/**
 * Splits the clients over the generators and starts them one by one, adding each to `into` once ready (so
 * that a failure part way still leaves the started ones to close).
 */
export async function startGenerators(opts: LoadOptions, target: Target, into: Generator[]): Promise<void> {
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
    into.push(await startGenerator(cfg, opts.workers === 0, opts.pin));
  }
}

/** A generator as a child process, or in this process when `inProcess`. */
function startGenerator(cfg: PoolConfig, inProcess: boolean, pin: boolean): Promise<Generator> {
  const events = eventQueue();
  const make = (send: (cmd: PoolCommand) => void, kill: () => void): Generator => ({
    worker: cfg.worker,
    clients: cfg.clients,
    send,
    on: events.on,
    ask(cmd, reply) {
      const p = events.next(reply);
      send(cmd);
      return p;
    },
    kill,
  });
  if (inProcess) {
    const pool = new Pool(cfg, (e) => queueMicrotask(() => events.dispatch(e)));
    return Promise.resolve(
      make(
        (cmd) => pool.handle(cmd),
        () => pool.handle({ type: "close" }),
      ),
    );
  }
  const child = spawn("sh", nodeCommand(join(benchDist, "load-client.js"), pin ? LOAD_CPUS : null), {
    env: { ...process.env, CINDER_LOAD_WORKER: "1", CINDER_LOAD_CONFIG: JSON.stringify(cfg) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  child.on("message", (e: PoolEvent) => events.dispatch(e));
  const gen = make(
    (cmd) => {
      if (child.connected) child.send(cmd);
    },
    () => child.kill("SIGKILL"),
  );
  return events.next("ready").then(() => gen);
}

/** A generator's events: handed to the oldest waiter for their type, and to every listener. */
function eventQueue() {
  const listeners: ((e: PoolEvent) => void)[] = [];
  const waiting = new Map<string, ((e: PoolEvent) => void)[]>();
  return {
    dispatch(e: PoolEvent): void {
      const w = waiting.get(e.type);
      if (w !== undefined && w.length > 0) w.shift()!(e);
      for (const l of listeners) l(e);
    },
    next<T extends PoolEvent["type"]>(type: T): Promise<Extract<PoolEvent, { type: T }>> {
      return new Promise<Extract<PoolEvent, { type: T }>>((resolve) => {
        const list = waiting.get(type) ?? [];
        list.push(resolve as (e: PoolEvent) => void);
        waiting.set(type, list);
      });
    },
    on(fn: (e: PoolEvent) => void): void {
      listeners.push(fn);
    },
  };
}

/** Each generator's clock against the server's, one after the other; logs them with this process's own. */
export async function measureClocks(
  generators: Generator[],
  target: Target,
  log: Log,
): Promise<ClockOffsets> {
  const offsets: ClockOffsets = new Map();
  for (const g of generators) {
    const c = await g.ask({ type: "clock", samples: 15 }, "clock");
    offsets.set(g.worker, { offsetMs: c.offsetMs, rttMs: c.rttMs });
  }
  const own = await clockOffset(target, 15);
  log(
    `clock offsets to the server: ${[...offsets.values()].map((o) => `${o.offsetMs.toFixed(2)} ms`).join(", ")}` +
      ` (coordinator ${own.offsetMs.toFixed(2)} ms)`,
  );
  return offsets;
}

/** Asks every generator for what it measured. */
export function collectResults(generators: Generator[]): Promise<PoolResults[]> {
  return Promise.all(generators.map((g) => g.ask({ type: "results" }, "results").then((e) => e.results)));
}

/** Closes every generator's clients; a child process that lingers is killed a little later. */
export async function closeGenerators(generators: Generator[], children: boolean): Promise<void> {
  await Promise.all(
    generators.map(async (g) => {
      await Promise.race([g.ask({ type: "close" }, "closed"), sleep(3000)]);
      if (children) setTimeout(() => g.kill(), 2000).unref();
    }),
  );
}
