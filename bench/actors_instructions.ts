/**
 * A fixed actor workload for counting instructions rather than timing them (a loaded machine makes timings
 * noisy; instruction counts move much less):
 *
 *   valgrind --tool=callgrind node bench/dist/actors_instructions.js ring|pc|none [/abs/path/to/actors/dist/index.js]
 *
 *   ring          1,000 processes pass one token round a ring, 500k hops
 *   pc            one producer process sends 500k messages to one consumer process
 *   bare-pc       the same as pc on the plain-JS baseline (`bareOneToOne` of actors_plain.ts): the ratio to pc is
 *                 Cinder's cost
 *   outside       top-level code sends 500k messages to one process, 1,000 per macrotask
 *   spawn         the free `spawn` of 200k idle processes with one shared behaviour (pids kept)
 *   spawn-fresh   the same with a new behaviour literal per call (the README's style)
 *   none          only loads the package: subtract it from the others to get the workload's own cost
 *
 * The optional path runs another build of @cinder/actors (an older checkout's dist) under the same workload.
 */

import type { Pid, Runtime } from "@cinder/actors";
import { bareOneToOne } from "./actors_plain.js";
import { spawnProducer } from "./lib.js";

const N = 500_000;
const SPAWN_N = 200_000;
const which = process.argv[2];
const from = process.argv[3];
const actors: typeof import("@cinder/actors") = await import(from ?? "@cinder/actors");

function ring(size: number, hops: number): Promise<void> {
  const rt: Runtime = actors.createRuntime({ node: "work" });
  return new Promise((resolve) => {
    const states: { next: Pid | null }[] = [];
    const pids: Pid[] = [];
    for (let i = 0; i < size; i++) {
      const st = { next: null as Pid | null };
      states.push(st);
      pids.push(
        rt.spawn({
          init: () => st,
          handleInfo(left: number, s: { next: Pid | null }) {
            if (left === 0) resolve();
            else rt.send(s.next!, left - 1);
            return s;
          },
        }),
      );
    }
    for (let i = 0; i < size; i++) states[i].next = pids[(i + 1) % size];
    rt.send(pids[0], hops);
  });
}

function producerConsumer(n: number): Promise<void> {
  const rt: Runtime = actors.createRuntime({ node: "work" });
  return new Promise((resolve) => {
    const consumer = rt.spawn({
      init: () => 0,
      handleInfo: (_m: number, count: number) => {
        if (++count === n) resolve();
        return count;
      },
    });
    const producer = spawnProducer(rt, consumer, n);
    rt.send(producer, "go");
  });
}

async function outside(n: number): Promise<void> {
  const rt: Runtime = actors.createRuntime({ node: "work" });
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const consumer = rt.spawn({
    init: () => 0,
    handleInfo: (_m: number, count: number) => {
      if (++count === n) done();
      return count;
    },
  });
  for (let sent = 0; sent < n; ) {
    const end = Math.min(sent + 1000, n);
    for (let i = sent; i < end; i++) rt.send(consumer, i);
    sent = end;
    await new Promise((r) => setImmediate(r));
  }
  await finished;
}

const idle = { init: () => 0, handleInfo: (_m: unknown, s: number) => s };

function spawnMany(n: number, fresh: boolean): Pid[] {
  const pids: Pid[] = [];
  if (fresh)
    for (let i = 0; i < n; i++)
      pids.push(actors.spawn({ init: () => 0, handleInfo: (_m: unknown, s: number) => s }));
  else for (let i = 0; i < n; i++) pids.push(actors.spawn(idle));
  return pids;
}

if (which === "ring") await ring(1_000, N);
else if (which === "pc") await producerConsumer(N);
else if (which === "bare-pc") bareOneToOne(N);
else if (which === "outside") await outside(N);
else if (which === "spawn") spawnMany(SPAWN_N, false);
else if (which === "spawn-fresh") spawnMany(SPAWN_N, true);
else if (which !== "none")
  throw new Error(
    `usage: actors_instructions.js ring|pc|bare-pc|outside|spawn|spawn-fresh|none [actors dist], got ${which}`,
  );
