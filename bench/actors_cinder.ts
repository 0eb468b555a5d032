/** The actor benchmark's workloads on Cinder's runtime (bench/actors.ts runs them beside the others). */
import { createRuntime, exit, type Pid, type Runtime, spawn } from "@cinder/actors";
import { gc, heapUsed, seconds, spawnProducer, tick } from "./lib.js";

export const idle = { init: () => 0, handleInfo: (_m: unknown, s: number) => s };

export async function cinderSpawn(n: number, processTable = false): Promise<{ rate: number; bytes: number }> {
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
export async function cinderFreeSpawn(n: number, fresh: boolean): Promise<{ rate: number; bytes: number }> {
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
export async function cinderOneToOneOutside(n: number): Promise<number> {
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

export function cinderOneToOne(n: number, processTable = false): Promise<number> {
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

export function cinderRing(size: number, hops: number): Promise<number> {
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

export function cinderFanOut(size: number, n: number): Promise<number> {
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
