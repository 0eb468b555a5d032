/** The actor benchmark's workloads on nact 7, a JavaScript actor library. */
import { createRequire } from "node:module";
import { heapUsed, seconds, tick } from "./lib.js";

const nact = createRequire(import.meta.url)("nact") as {
  start(): unknown;
  spawn(parent: unknown, f: (state: any, msg: any, ctx: any) => any, name?: string): unknown;
  /** Named always: nact names an anonymous actor with a random 32-bit number, and among 10,000 two collide
   * about once in a hundred runs ("child actor of name anonymous-... already exists"). */
  spawnStateless(parent: unknown, f: (msg: any, ctx: any) => any, name?: string): unknown;
  dispatch(actor: unknown, msg: unknown): void;
  stop(actor: unknown): void;
};

export async function nactSpawn(n: number): Promise<{ rate: number; bytes: number }> {
  const system = nact.start();
  const actors: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) actors[i] = undefined;
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) actors[i] = nact.spawn(system, (state = 0) => state, `a${i}`);
  const r = n / seconds(t0);
  const bytes = (heapUsed() - before) / n;
  nact.stop(system);
  actors.length = 0;
  await tick();
  return { rate: r, bytes };
}

export function nactOneToOne(n: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    const consumer = nact.spawn(system, (count = 0) => {
      if (++count === n) {
        resolve(n / seconds(t0));
        nact.stop(system);
      }
      return count;
    });
    const producer = nact.spawn(system, (sent = 0, _go: string, ctx: any) => {
      const end = Math.min(sent + 1000, n);
      for (let i = sent; i < end; i++) nact.dispatch(consumer, i);
      if (end < n) nact.dispatch(ctx.self, "go");
      return end;
    });
    t0 = performance.now();
    nact.dispatch(producer, "go");
  });
}

export function nactRing(size: number, hops: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    const actors: unknown[] = [];
    for (let i = 0; i < size; i++) {
      actors.push(
        nact.spawnStateless(
          system,
          (left: number) => {
            if (left === 0) {
              resolve(hops / seconds(t0));
              nact.stop(system);
            } else nact.dispatch(actors[(i + 1) % size], left - 1);
          },
          `r${i}`,
        ),
      );
    }
    t0 = performance.now();
    nact.dispatch(actors[0], hops);
  });
}

export function nactFanOut(size: number, n: number): Promise<number> {
  const system = nact.start();
  return new Promise((resolve) => {
    let t0 = 0;
    let got = 0;
    const members: unknown[] = [];
    for (let i = 0; i < size; i++)
      members.push(
        nact.spawnStateless(
          system,
          () => {
            if (++got === n) {
              resolve(n / seconds(t0));
              nact.stop(system);
            }
          },
          `m${i}`,
        ),
      );
    const sender = nact.spawn(system, (sent = 0, _go: string, ctx: any) => {
      for (let i = 0; i < size && sent < n; i++, sent++) nact.dispatch(members[i], sent);
      if (sent < n) nact.dispatch(ctx.self, "go");
      return sent;
    });
    t0 = performance.now();
    nact.dispatch(sender, "go");
  });
}
