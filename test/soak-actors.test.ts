/**
 * No-leak soak of the actor runtime: spawn/exit, timers set and cancelled, calls that time out. Each cycle
 * must leave the process table, the names, the timer set and the pending calls empty, and the heap (after
 * GC) within 10% of where it started. `npm test` runs small sizes; `npm run soak` the full ones and prints
 * its figures.
 */
import { type CallError, call, createRuntime, noreply, type Pid, type Runtime } from "@cinder/actors";
import { describe, expect, it } from "vitest";
import { SOAK, settledHeap, size } from "./helpers/heap.js";

const quiet = () => {};

/** Runs `cycle` once to warm up, then measures: the heap after must be within 10% of before. */
async function noLeak(name: string, rt: Runtime, cycle: () => Promise<void>, n: number): Promise<void> {
  await cycle(); // warm-up: JIT, lazily grown tables
  const before = await settledHeap();
  const t0 = performance.now();
  await cycle();
  const ms = performance.now() - t0;
  const after = await settledHeap();
  const s = rt.stats();
  const growth = (after - before) / before;
  if (SOAK) {
    console.log(
      `${name}: ${n} cycles in ${ms.toFixed(0)} ms; heap ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%); stats ${JSON.stringify(s)}`,
    );
  }
  expect(s.processes).toBe(1); // only the test's long-lived server, where there is one
  expect(s.names).toBe(0);
  expect(s.timers).toBe(0);
  expect(s.runQueue).toBe(0);
  expect(growth).toBeLessThan(0.1);
}

describe("soak: the actor runtime leaks nothing", () => {
  it(`spawn/exit cycles leave an empty process table and the heap where it was`, async () => {
    const rt = createRuntime({ node: "soak", logger: quiet });
    const n = size(100_000, 1_000_000);
    const keeper = rt.spawn({ init: () => 0 }); // one long-lived process, so processes === 1 at the end
    const worker = { init: (i: number) => i };
    const cycle = async () => {
      const batch = 10_000;
      for (let done = 0; done < n; done += batch) {
        const pids: Pid[] = [];
        for (let i = 0; i < batch; i++)
          pids.push(rt.spawn(worker, i, { name: i % 1000 === 0 ? `w${i}` : undefined }));
        for (const p of pids) rt.exit(p, "shutdown");
        await rt.drain();
      }
    };
    await noLeak("spawn/exit", rt, cycle, n);
    expect(rt.isAlive(keeper)).toBe(true);
  }, 120_000);

  it(`timers set and cancelled leave an empty timer set`, async () => {
    const rt = createRuntime({ node: "soak", logger: quiet });
    const n = size(20_000, 100_000);
    const target = rt.spawn({ init: () => 0, handleInfo: (_m, s: number) => s + 1 });
    const cycle = async () => {
      const timers = [];
      for (let i = 0; i < n; i++) timers.push(rt.sendAfter(i % 2 ? target : "nobody", "tick", 60_000));
      for (const t of timers) expect(rt.cancelTimer(t)).not.toBe(false);
      await rt.drain();
    };
    await noLeak("timers", rt, cycle, n);
  }, 120_000);

  it(`calls that time out leave no pending reply and no monitor behind`, async () => {
    const rt = createRuntime({ node: "soak", logger: quiet });
    const n = size(10_000, 100_000);
    // A server that never answers: every call times out.
    const server = rt.spawn({ init: () => 0, handleCall: (_r: unknown, _f, s: number) => noreply(s + 1) });
    const cycle = async () => {
      const batch = 10_000;
      for (let done = 0; done < n; done += batch) {
        const calls = [];
        for (let i = 0; i < Math.min(batch, n - done); i++) calls.push(call(server, i, 1).catch((e) => e));
        for (const e of await Promise.all(calls)) expect((e as CallError).kind).toBe("timeout");
      }
      await rt.drain();
    };
    await noLeak("calls timing out", rt, cycle, n);
    // Each timed-out call removed the monitor it held on the server.
    expect(server._p?.monitors?.size ?? 0).toBe(0);
  }, 120_000);
});
