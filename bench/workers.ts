/**
 * Workers benchmark: one deploy step's fan-out to V live views spread over W worker processes, for W = 1, 2,
 * ... (`--workers 1,2`), with no load generator on the machine. Each view is a process subscribed to the
 * steps topic through the `workers()` adapter; on each step it renders the page, diffs it and encodes the
 * push frame, as a live view does before its socket write (the write itself, a syscall per client, is left
 * out: it needs a client, and clients on the same machine would take the cores being measured).
 *
 * Run with `npm run bench:workers` (`-- --views 10000 --steps 30 --workers 1,2`). Worker 0 broadcasts each step;
 * each worker reports when its last view has handled it; a step's fan-out time is from the broadcast to the
 * last report of any worker. Both ends stamp `performance.timeOrigin + performance.now()`, one clock for every
 * process of the machine.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { self, spawn } from "@cinder/actors";
import { DiffTracker } from "@cinder/liveview/internal";
import { type IpcChannel, PubSub, parentChannel, startWorkers, workerNode, workers } from "@cinder/pubsub";
import { advance, initial, pushFrame, render } from "./deploy_page.js";
import { machine, median, wallNow as now, percentile, printTable, rate } from "./lib.js";

const TOPIC = "bench:steps";

/** What travels between the primary and the workers on the app's side of their IPC channels. */
type BenchMessage =
  | { bench: "ready"; worker: number }
  | { bench: "step"; k: number }
  | { bench: "sent"; k: number; at: number }
  | { bench: "done"; k: number; at: number; cpuUs: number };

function isBenchMessage(m: unknown): m is BenchMessage {
  return typeof m === "object" && m !== null && typeof (m as { bench?: unknown }).bench === "string";
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** A worker: `views` view-like processes, and (worker 0) the broadcaster of each step the primary asks for. */
async function runWorker(views: number, index: number): Promise<void> {
  const channel = parentChannel();
  const pubsub = await PubSub.start({ name: "bench-workers", node: workerNode("w"), adapter: workers() });
  const handled = new Map<number, number>();
  let cpuMark = process.cpuUsage();
  const tell = (m: BenchMessage) => channel.send(m);
  const handledOne = (k: number) => {
    const n = (handled.get(k) ?? 0) + 1;
    if (n < views) {
      handled.set(k, n);
      return;
    }
    handled.delete(k);
    const cpu = process.cpuUsage(cpuMark);
    cpuMark = process.cpuUsage();
    tell({ bench: "done", k, at: now(), cpuUs: cpu.user + cpu.system });
  };
  for (let i = 0; i < views; i++) {
    spawn({
      init: () => {
        pubsub.subscribe(self(), TOPIC);
        const tracker = new DiffTracker();
        const assigns = initial();
        tracker.render(render(assigns));
        return { tracker, assigns, bytes: 0 };
      },
      handleInfo(msg: { k: number }, st) {
        st.assigns = advance(st.assigns, msg.k);
        const diff = st.tracker.diff(render(st.assigns));
        st.bytes += pushFrame(diff).length;
        handledOne(msg.k);
        return st;
      },
    });
  }
  channel.listen((m) => {
    if (!isBenchMessage(m) || m.bench !== "step") return;
    const at = now();
    void pubsub.broadcast(TOPIC, { k: m.k });
    tell({ bench: "sent", k: m.k, at });
  });
  // Subscriptions reach the primary's hub before "ready" does: both travel on this one channel, in order.
  setImmediate(() => tell({ bench: "ready", worker: index }));
}

interface RunResult {
  workers: number;
  fanoutMs: number[];
  cpuUsPerDelivery: number;
}

/** One measurement: W workers, `views` in all, `steps` steps one after the other. */
async function measure(count: number, views: number, steps: number): Promise<RunResult> {
  const perWorker = Math.ceil(views / count);
  const channels: IpcChannel[] = [];
  const inbox: ((m: BenchMessage) => void)[] = [];
  const w = startWorkers({
    count,
    exec: fileURLToPath(import.meta.url),
    env: { BENCH_WORKER_VIEWS: String(perWorker), NODE_ENV: "production" },
    maxRestarts: 0,
    onWorker: (channel) => {
      channels.push(channel);
      return channel.listen((m) => {
        if (isBenchMessage(m)) for (const f of inbox) f(m);
      });
    },
  });
  const failed = w.failed.then((why) => {
    throw new Error(`workers failed: ${why}`);
  });
  const waitFor = <T>(pick: (m: BenchMessage) => T | undefined, n: number): Promise<T[]> =>
    Promise.race([
      failed,
      new Promise<T[]>((resolve) => {
        const got: T[] = [];
        const f = (m: BenchMessage) => {
          const v = pick(m);
          if (v === undefined) return;
          got.push(v);
          if (got.length === n) {
            inbox.splice(inbox.indexOf(f), 1);
            resolve(got);
          }
        };
        inbox.push(f);
      }),
    ]);
  await waitFor((m) => (m.bench === "ready" ? m.worker : undefined), count);
  const worker0 = channels[0];
  const fanoutMs: number[] = [];
  let cpuUs = 0;
  // Two warm-up steps (V8 compiles the render and diff paths), then the measured ones.
  for (let k = 0; k < steps + 2; k++) {
    const sent = waitFor((m) => (m.bench === "sent" && m.k === k ? m.at : undefined), 1);
    const done = waitFor((m) => (m.bench === "done" && m.k === k ? m : undefined), count);
    worker0.send({ bench: "step", k } satisfies BenchMessage);
    const [at] = await sent;
    const reports = await done;
    if (k < 2) continue;
    fanoutMs.push(Math.max(...reports.map((r) => r.at)) - at);
    cpuUs += reports.reduce((s, r) => s + r.cpuUs, 0);
  }
  await w.stop();
  return { workers: count, fanoutMs, cpuUsPerDelivery: cpuUs / (steps * perWorker * count) };
}

async function main(): Promise<void> {
  const views = Number(arg("views", "10000"));
  const steps = Number(arg("steps", "30"));
  const counts = arg("workers", "1,2").split(",").map(Number);
  console.log(machine());
  console.log(
    `fan-out of one step to ${views.toLocaleString("en")} views over W workers, ${steps} steps each ` +
      `(CPUs this process may use: ${availableParallelism()})`,
  );
  const results: RunResult[] = [];
  for (const c of counts) results.push(await measure(c, views, steps));
  const base = median(results[0].fanoutMs);
  printTable(
    "Fan-out over workers",
    [
      "workers",
      "views each",
      "step fan-out p50",
      "p90",
      "deliveries/s",
      "speed-up vs first row",
      "CPU/delivery",
    ],
    results.map((r) => {
      const p50 = median(r.fanoutMs);
      return [
        String(r.workers),
        Math.ceil(views / r.workers).toLocaleString("en"),
        `${p50.toFixed(1)} ms`,
        `${percentile(r.fanoutMs, 90).toFixed(1)} ms`,
        rate((views / p50) * 1000),
        `${(base / p50).toFixed(2)}x`,
        `${r.cpuUsPerDelivery.toFixed(2)} µs`,
      ];
    }),
  );
}

if (cluster.isPrimary) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  void runWorker(Number(process.env.BENCH_WORKER_VIEWS), Number(process.env.CINDER_WORKER_INDEX));
}
