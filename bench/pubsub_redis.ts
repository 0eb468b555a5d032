/**
 * PubSub over Redis: node A (this process) -> node B (a child process: this file with `--node-b`) through the
 * Redis at REDIS_URL: latency p50/p99 (paced, one message per ~1 ms, measured from the broadcast call to the
 * subscriber's handleInfo), and messages/s (back to back, first send to last handleInfo), beside raw ioredis
 * PUBLISH -> SUBSCRIBE on the same Redis.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRuntime } from "@cinder/actors";
import { PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import { percentile, tick, wallNow } from "./lib.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const quick = process.argv.includes("--quick");
const LATENCY_N = quick ? 300 : 2_000;
/** Messages sent back to back for the throughput figure. */
export const THROUGHPUT_N = quick ? 20_000 : 200_000;
const CHUNK = 1_000;

type Kind = "cinder" | "raw";
interface Expect {
  kind: Kind;
  n: number;
}
interface Report {
  latencies: number[];
  last: number;
}

async function nodeB(name: string): Promise<void> {
  const rt = createRuntime({ node: "b" });
  const ps = await PubSub.start({ name, node: "b", runtime: rt, adapter: redis({ url: REDIS_URL }) });
  // Connected before SUBSCRIBE: ioredis may otherwise send its ready check (INFO) after it, and fail.
  const raw = new Redis(REDIS_URL, { lazyConnect: true });
  raw.on("error", (err) => console.error(`node b: raw subscriber: ${err.message}`));
  await raw.connect();
  let want: Expect | null = null;
  let latencies: number[] = [];
  const receive = (kind: Kind, m: { t: number }) => {
    if (want === null || want.kind !== kind) return;
    const now = wallNow();
    latencies.push(now - m.t);
    if (latencies.length === want.n) {
      const report: Report = { latencies, last: now };
      want = null;
      latencies = [];
      process.send!(report);
    }
  };
  const sub = rt.spawn({
    init: () => null,
    handleInfo: (m: { t: number }, s: null) => {
      receive("cinder", m);
      return s;
    },
  });
  ps.subscribe(sub, "bench");
  await ps.sync();
  raw.on("message", (_c: string, text: string) => receive("raw", JSON.parse(text)));
  await raw.subscribe(`${name}:raw`);
  process.on("message", (m: Expect | "stop") => {
    if (m === "stop") {
      void ps.stop().then(() => {
        raw.disconnect();
        process.exit(0);
      });
      return;
    }
    want = m;
    latencies = [];
    process.send!("ready");
  });
  process.send!("ready");
}

class Remote {
  private waiters: ((m: unknown) => void)[] = [];
  constructor(private readonly child: ReturnType<typeof fork>) {
    child.on("message", (m) => this.waiters.shift()?.(m));
  }
  next<T>(): Promise<T> {
    return new Promise((r) => this.waiters.push(r as (m: unknown) => void));
  }
  /** Tells B what to expect; resolves once B is ready, with the report to come (boxed: a promise in a promise would flatten). */
  async expect(e: Expect): Promise<{ report: Promise<Report> }> {
    const ready = this.next<"ready">();
    this.child.send(e);
    await ready;
    return { report: this.next<Report>() };
  }
}

/** The figures of Cinder's PubSub and of raw ioredis, measured one after the other. */
export async function overRedis(): Promise<{ cinder: RedisFigures; raw: RedisFigures }> {
  const name = `bench-${process.pid}`;
  const child = fork(fileURLToPath(import.meta.url), ["--node-b", name], { stdio: "inherit" });
  const b = new Remote(child);
  await b.next<"ready">();

  const rt = createRuntime({ node: "a" });
  const ps = await PubSub.start({ name, node: "a", runtime: rt, adapter: redis({ url: REDIS_URL }) });
  const raw = new Redis(REDIS_URL, { enableAutoPipelining: true });
  raw.on("error", (err) => console.error(`node a: raw publisher: ${err.message}`));
  const send: Record<Kind, (m: { t: number; i: number }) => Promise<unknown>> = {
    cinder: (m) => ps.broadcast("bench", m),
    raw: (m) => raw.publish(`${name}:raw`, JSON.stringify(m)),
  };
  const figures = {} as Record<Kind, RedisFigures>;
  for (const kind of ["cinder", "raw"] as const) {
    // Latency: paced, so it measures the path, not a queue. The first 10% warm up and are dropped.
    const warm = Math.floor(LATENCY_N / 10);
    const lat = await b.expect({ kind, n: LATENCY_N + warm });
    for (let i = 0; i < LATENCY_N + warm; i++) {
      await send[kind]({ t: wallNow(), i });
      await new Promise((r) => setTimeout(r, 1));
    }
    const latencies = (await lat.report).latencies.slice(warm);
    // Throughput: back to back, in chunks (waiting for Redis to take each chunk keeps buffers bounded).
    const thr = await b.expect({ kind, n: THROUGHPUT_N });
    const t0 = wallNow();
    for (let i = 0; i < THROUGHPUT_N; i += CHUNK) {
      const chunk: Promise<unknown>[] = [];
      for (let j = i; j < i + CHUNK; j++) chunk.push(send[kind]({ t: wallNow(), i: j }));
      await Promise.all(chunk);
    }
    const r = await thr.report;
    figures[kind] = {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rate: THROUGHPUT_N / ((r.last - t0) / 1000),
    };
    await tick();
  }
  child.send("stop");
  await new Promise((r) => child.once("exit", r));
  await ps.stop();
  raw.disconnect();
  return figures;
}

/** Latency quantiles (ms) and messages per second. */
export interface RedisFigures {
  p50: number;
  p99: number;
  rate: number;
}

if (process.argv.includes("--node-b")) {
  nodeB(process.argv[process.argv.indexOf("--node-b") + 1]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
