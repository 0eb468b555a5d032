/**
 * What `AsyncLocalStorage` costs the actors runtime, on whichever Node runs this file. Run it on each Node line
 * and compare the ratios (absolute rates move with the machine and its load; ratios in one run hold):
 *
 *   npm run bench:async                      # the machine's Node
 *   PATH=/path/to/node24/bin:$PATH npm run bench:async
 *
 * The runtime enters its AsyncLocalStorage only for handlers that are `async` functions, because on Node 20 the
 * first `run()` installs promise hooks for the whole process and every `await` anywhere gets slower. So the
 * order below matters: phase 1 runs before any context was ever entered, phase 2 after an async process exists.
 *
 *   awaits          a loop of `await null`, no actors involved (the process-wide penalty)
 *   sync handler    one producer sends to a consumer whose `handleInfo` is a plain function (the fast path)
 *   async handler   the same with an `async handleInfo` that does not await (the context is entered per message)
 *   await + self()  an `async handleInfo` that awaits, then calls `self()` (the context is read back)
 *   await, no self  the same without `self()` (so the row above isolates the lookup)
 *   receive loop    a function process, `for (;;) await receive()`
 *   plain call / AsyncLocalStorage.run   one call per iteration, bare or wrapped (the per-message entry cost)
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { createRuntime, receive, self } from "@cinder/actors";
import { machine, medianOf, printTable, rate, seconds, spawnProducer, tick } from "./lib.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 1 : 5;
const AWAITS = quick ? 1_000_000 : 2_000_000;
const SYNC_MSGS = quick ? 1_000_000 : 5_000_000;
const ASYNC_MSGS = quick ? 200_000 : 1_000_000;
const CALLS = quick ? 10_000_000 : 50_000_000;
// AsyncLocalStorage.run is far slower than a bare call; fewer iterations keep its row from dominating the run.
const WRAPPED_CALLS = CALLS / 10;

async function awaitLoop(n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await null;
  return n / seconds(t0);
}

type Handler = (msg: number, count: number) => number | Promise<number>;

/**
 * One producer process sends `n` messages in batches of 1,000 to a consumer built from `handler`; resolves with
 * the consumer's messages per second. `handler` gets `done` to call on the last message.
 */
function oneToOne(n: number, makeHandler: (done: () => void) => Handler): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  return new Promise((resolve) => {
    let t0 = 0;
    const consumer = rt.spawn({ init: () => 0, handleInfo: makeHandler(() => resolve(n / seconds(t0))) });
    const producer = spawnProducer(rt, consumer, n);
    t0 = performance.now();
    rt.send(producer, "go");
  });
}

function syncHandler(n: number): Promise<number> {
  return oneToOne(n, (done) => (_m, count) => {
    if (++count === n) done();
    return count;
  });
}

function asyncHandler(n: number): Promise<number> {
  return oneToOne(n, (done) => async (_m, count) => {
    if (++count === n) done();
    return count;
  });
}

let sink: unknown = null;

function awaitSelfHandler(n: number): Promise<number> {
  return oneToOne(n, (done) => async (_m, count) => {
    await null;
    sink = self();
    if (++count === n) done();
    return count;
  });
}

function awaitHandler(n: number): Promise<number> {
  return oneToOne(n, (done) => async (_m, count) => {
    await null;
    if (++count === n) done();
    return count;
  });
}

function receiveLoop(n: number): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  return new Promise((resolve) => {
    let t0 = 0;
    const consumer = rt.spawn(async () => {
      for (let i = 0; i < n; i++) await receive();
      resolve(n / seconds(t0));
    });
    const producer = spawnProducer(rt, consumer, n);
    t0 = performance.now();
    rt.send(producer, "go");
  });
}

const als = new AsyncLocalStorage<number>();

function handle(m: number, s: number): number {
  return s + m;
}

function plainCalls(n: number): number {
  let s = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s = handle(i & 1, s);
  sink = s;
  return n / seconds(t0);
}

function alsCalls(n: number): number {
  let s = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) s = als.run(i, handle, i & 1, s);
  sink = s;
  return n / seconds(t0);
}

async function main(): Promise<void> {
  console.log(
    `AsyncLocalStorage cost on ${machine()}; median of ${RUNS} run(s)${quick ? " (--quick sizes)" : ""}`,
  );
  const run = (f: () => Promise<number> | number) =>
    medianOf(RUNS, async () => {
      const v = await f();
      await tick();
      return v;
    });

  // Phase 1: nothing has entered an AsyncLocalStorage context yet in this process.
  const awaitsBefore = await run(() => awaitLoop(AWAITS));
  const syncBefore = await run(() => syncHandler(SYNC_MSGS));
  const plain = await run(() => plainCalls(CALLS));

  // Phase 2: an async handler has run, so the runtime's context is in use from here on.
  const asyncMsgs = await run(() => asyncHandler(ASYNC_MSGS));
  const awaitsAfter = await run(() => awaitLoop(AWAITS));
  const syncAfter = await run(() => syncHandler(SYNC_MSGS));
  const awaitSelf = await run(() => awaitSelfHandler(ASYNC_MSGS));
  const awaitNoSelf = await run(() => awaitHandler(ASYNC_MSGS));
  const receives = await run(() => receiveLoop(ASYNC_MSGS));
  const wrapped = await run(() => alsCalls(WRAPPED_CALLS));
  void sink;

  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  printTable(
    `AsyncLocalStorage (Node ${process.versions.node})`,
    ["measure", "rate", "ratio", "ratio to"],
    [
      ["awaits, no context entered yet", rate(awaitsBefore), "1.00x", "itself"],
      [
        "awaits, after an async handler ran",
        rate(awaitsAfter),
        x(awaitsAfter, awaitsBefore),
        "awaits before",
      ],
      ["sync handler, no context entered yet", rate(syncBefore), "1.00x", "itself"],
      ["sync handler, after an async handler ran", rate(syncAfter), x(syncAfter, syncBefore), "sync before"],
      ["async handler, no await", rate(asyncMsgs), x(asyncMsgs, syncAfter), "sync after"],
      ["async handler, await then self()", rate(awaitSelf), x(awaitSelf, syncAfter), "sync after"],
      ["async handler, await, no self()", rate(awaitNoSelf), x(awaitNoSelf, syncAfter), "sync after"],
      ["self() lookup after await", "-", x(awaitSelf, awaitNoSelf), "await, no self()"],
      ["function process, receive() loop", rate(receives), x(receives, syncAfter), "sync after"],
      ["plain call", rate(plain), "1.00x", "itself"],
      ["AsyncLocalStorage.run per call", rate(wrapped), x(wrapped, plain), "plain call"],
    ],
  );
}

await main();
