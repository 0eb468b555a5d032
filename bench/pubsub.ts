/**
 * PubSub benchmark, in one run (`npm run bench`, or `node --expose-gc bench/dist/pubsub.js [--quick]`):
 *
 *   local fan-out   one publisher process, 10,000 subscriber processes, 100 broadcasts (1M deliveries), the
 *                   publisher sending its next broadcast after handling its own "go" (so every broadcast
 *                   competes with the deliveries of the previous one, as in a live system). Beside Node's
 *                   EventEmitter (synchronous calls, no mailboxes) and the plain-JS run queue of baseline.ts.
 *   over Redis      node A (this process) -> node B (a child process) through the Redis at REDIS_URL:
 *                   latency p50/p99 (paced, one message per ~1 ms, measured from the broadcast call to the
 *                   subscriber's handleInfo), and messages/s (back to back, first send to last handleInfo),
 *                   beside raw ioredis PUBLISH -> SUBSCRIBE on the same Redis.
 */

import { fork } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { createRuntime, type Pid } from "@cinder/actors";
import { PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import { type BareProc, BareScheduler } from "./baseline.js";
import { machine, medianOf, printTable, rate, tick } from "./lib.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 1 : 5;
const SUBSCRIBERS = 10_000;
const BROADCASTS = 100;
const LATENCY_N = quick ? 300 : 2_000;
const THROUGHPUT_N = quick ? 20_000 : 200_000;
const CHUNK = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
const wallNow = () => performance.timeOrigin + performance.now();
const seconds = (t0: number) => (performance.now() - t0) / 1000;

// ---------------------------------------------------------------------------------------------------------------
// Local fan-out

async function cinderFanOut(): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  const ps = await PubSub.start({ name: "bench", runtime: rt });
  const total = SUBSCRIBERS * BROADCASTS;
  let got = 0;
  let t0 = 0;
  let done: (r: number) => void = () => {};
  const finished = new Promise<number>((r) => {
    done = r;
  });
  const sink = {
    init: () => 0,
    handleInfo: (_m: number, s: number) => {
      if (++got === total) done(total / seconds(t0));
      return s;
    },
  };
  for (let i = 0; i < SUBSCRIBERS; i++) ps.subscribe(rt.spawn(sink), "fan");
  const publisher: Pid = rt.spawn({
    init: () => 0,
    handleInfo: (_go: "go", sent: number) => {
      void ps.broadcastFrom(publisher, "fan", sent);
      if (sent + 1 < BROADCASTS) rt.send(publisher, "go");
      return sent + 1;
    },
  });
  t0 = performance.now();
  rt.send(publisher, "go");
  const r = await finished;
  await ps.stop();
  return r;
}

function emitterFanOut(): number {
  const ee = new EventEmitter();
  ee.setMaxListeners(0);
  let got = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    ee.on("fan", () => {
      got++;
    });
  }
  const t0 = performance.now();
  for (let b = 0; b < BROADCASTS; b++) ee.emit("fan", b);
  const r = got / seconds(t0);
  if (got !== SUBSCRIBERS * BROADCASTS) throw new Error("EventEmitter lost deliveries");
  return r;
}

function bareFanOut(): number {
  const s = new BareScheduler();
  let got = 0;
  const members: BareProc[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    members.push(
      s.spawn(() => {
        got++;
      }),
    );
  }
  let sent = 0;
  const publisher: BareProc = s.spawn(() => {
    for (let i = 0; i < members.length; i++) s.send(members[i], sent);
    if (++sent < BROADCASTS) s.send(publisher, "go");
  });
  const t0 = performance.now();
  s.send(publisher, "go");
  s.run();
  if (got !== SUBSCRIBERS * BROADCASTS) throw new Error("baseline lost deliveries");
  return got / seconds(t0);
}

// ---------------------------------------------------------------------------------------------------------------
// Over Redis: node B runs in a child process (this same file with --node-b).

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

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function overRedis(): Promise<{ cinder: RedisFigures; raw: RedisFigures }> {
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

interface RedisFigures {
  p50: number;
  p99: number;
  rate: number;
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`PubSub benchmark on ${machine()}${quick ? " (quick)" : ""}; medians of ${RUNS} runs`);
  await cinderFanOut(); // warm-up (JIT)
  const cf = await medianOf(RUNS, async () => {
    const v = await cinderFanOut();
    await tick();
    return v;
  });
  const ef = await medianOf(RUNS, emitterFanOut);
  const bf = await medianOf(RUNS, bareFanOut);
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  printTable(
    "PubSub local fan-out: 10,000 subscriber processes, 100 broadcasts (1M deliveries)",
    [
      "",
      "Cinder PubSub",
      "EventEmitter",
      "plain-JS run queue",
      "Cinder / plain JS",
      "BEAM pg (quoted)",
      "target",
    ],
    [["deliveries/s", rate(cf), rate(ef), rate(bf), x(cf, bf), "2.8M/s", ">= 10M/s"]],
  );
  console.log(
    "\nEventEmitter calls its listeners synchronously (no mailboxes, no processes): an upper bound.",
  );

  let redisFigures: { cinder: RedisFigures; raw: RedisFigures } | null = null;
  try {
    redisFigures = await overRedis();
  } catch (err) {
    console.log(`\nRedis part skipped: ${err instanceof Error ? err.message : err} (REDIS_URL=${REDIS_URL})`);
  }
  if (redisFigures !== null) {
    const { cinder: c, raw: r } = redisFigures;
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    printTable(
      "PubSub over Redis: node A -> a subscriber on node B (another process), loopback",
      ["", "Cinder PubSub", "raw ioredis PUBLISH/SUBSCRIBE", "target"],
      [
        ["latency p50", ms(c.p50), ms(r.p50), "-"],
        ["latency p99", ms(c.p99), ms(r.p99), "< 5 ms"],
        [
          `messages/s (${THROUGHPUT_N.toLocaleString("en")} back to back)`,
          rate(c.rate),
          rate(r.rate),
          ">= 100k/s",
        ],
      ],
    );
  }
}

const bIndex = process.argv.indexOf("--node-b");
if (bIndex !== -1) {
  nodeB(process.argv[bIndex + 1]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
