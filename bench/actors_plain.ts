/** The actor benchmark's workloads on the plain-JS run queue of baseline.ts: no semantics, a floor. */
import { type BareProc, BareScheduler } from "./baseline.js";
import { heapUsed, seconds } from "./lib.js";

export function bareSpawn(n: number): { rate: number; bytes: number } {
  const s = new BareScheduler();
  const procs: BareProc[] = new Array(n);
  for (let i = 0; i < n; i++) procs[i] = undefined as unknown as BareProc;
  const noop = () => {};
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) procs[i] = s.spawn(noop);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  procs.length = 0;
  return { rate: r, bytes };
}

export function bareOneToOne(n: number): number {
  const s = new BareScheduler();
  let count = 0;
  const consumer = s.spawn(() => {
    count++;
  });
  let sent = 0;
  const producer: BareProc = s.spawn(() => {
    const end = Math.min(sent + 1000, n);
    for (let i = sent; i < end; i++) s.send(consumer, i);
    sent = end;
    if (end < n) s.send(producer, "go");
  });
  const t0 = performance.now();
  s.send(producer, "go");
  s.run();
  if (count !== n) throw new Error("baseline lost messages");
  return n / seconds(t0);
}

export function bareRing(size: number, hops: number): number {
  const s = new BareScheduler();
  const procs: BareProc[] = [];
  let done = false;
  for (let i = 0; i < size; i++) {
    procs.push(
      s.spawn((left: number) => {
        if (left === 0) done = true;
        else s.send(procs[(i + 1) % size], left - 1);
      }),
    );
  }
  const t0 = performance.now();
  s.send(procs[0], hops);
  s.run();
  if (!done) throw new Error("baseline ring did not finish");
  return hops / seconds(t0);
}

export function bareFanOut(size: number, n: number): number {
  const s = new BareScheduler();
  let got = 0;
  const members: BareProc[] = [];
  for (let i = 0; i < size; i++)
    members.push(
      s.spawn(() => {
        got++;
      }),
    );
  let sent = 0;
  const sender: BareProc = s.spawn(() => {
    for (let i = 0; i < size && sent < n; i++, sent++) s.send(members[i], sent);
    if (sent < n) s.send(sender, "go");
  });
  const t0 = performance.now();
  s.send(sender, "go");
  s.run();
  if (got !== n) throw new Error("baseline fan-out lost messages");
  return n / seconds(t0);
}
