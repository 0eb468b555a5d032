import {
  CallError,
  call,
  cast,
  type ExitReason,
  exit,
  type From,
  noreply,
  type Pid,
  receive,
  reply,
  replyTo,
  send,
  stop,
  type Timer,
} from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FakeClock, prng, quietRuntime, settle } from "./support/helpers.js";

// Laws L9 (timers) and L10 (gen_server) of docs/laws.md, in fake time.

describe("actors laws: timers and gen_server", () => {
  test("L9: a timer never fires early nor synchronously, a cancelled timer (number returned) never delivers, a timer to a dead pid never delivers", async () => {
    type Op =
      | { op: "set"; to: number | "name" | "dead"; delay: number }
      | { op: "cancel"; k: number }
      | { op: "advance"; ms: number }
      | { op: "kill"; i: number }
      | { op: "rename" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          op: fc.constant("set" as const),
          to: fc.oneof(fc.nat(3), fc.constantFrom("name" as const, "dead" as const)),
          delay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
        }),
      },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("cancel" as const), k: fc.nat() }) },
      {
        weight: 3,
        arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 25 }) }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("kill" as const), i: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("rename" as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 40 }),
        fc.constantFrom(true, true, false),
        async (ops, early) => {
          // With `early`, the clock fires every timeout half a millisecond before it is due, as Node's may.
          const clock = new FakeClock(early ? 0.5 : 0);
          const { rt } = quietRuntime({ clock });
          const flush = () => settle(rt);
          type Rcv = { pid: Pid; alive: boolean; got: [number, number][] };
          const receivers: Rcv[] = [];
          const addReceiver = (fn: boolean, name?: string) => {
            const got: [number, number][] = [];
            const pid = fn
              ? rt.spawn(
                  async () => {
                    for (;;) got.push([await receive(), clock.now()]);
                  },
                  undefined,
                  { name },
                )
              : rt.spawn(
                  {
                    init: () => null,
                    handleInfo: (m: number, st) => {
                      got.push([m, clock.now()]);
                      return st;
                    },
                  },
                  undefined,
                  { name },
                );
            receivers.push({ pid, alive: true, got });
            return receivers.length - 1;
          };
          addReceiver(false, "r");
          addReceiver(true);
          let holder: number | null = 0; // who holds the name "r"
          const dead = rt.spawn({ init: () => null });
          exit(dead, "kill");

          type T = {
            timer: Timer;
            to: number | "name" | "dead";
            due: number;
            state: "pending" | "fired" | "cancelled" | "void";
          };
          const timers: T[] = [];
          const expected = new Map<number, number | null>(); // timer id -> receiver index (null: nobody)
          const pending = () => timers.filter((t) => t.state === "pending").length;

          for (const o of ops) {
            switch (o.op) {
              case "set": {
                const to = typeof o.to === "number" ? o.to % receivers.length : o.to;
                const dest = to === "name" ? "r" : to === "dead" ? dead : receivers[to].pid;
                const id = timers.length;
                const timer = rt.sendAfter(dest, id, o.delay);
                const voided = to === "dead" || (typeof to === "number" && !receivers[to].alive);
                timers.push({ timer, to, due: clock.now() + o.delay, state: voided ? "void" : "pending" });
                break;
              }
              case "cancel": {
                if (timers.length === 0) break;
                const t = timers[o.k % timers.length];
                const left = rt.cancelTimer(t.timer);
                if (t.state === "pending") {
                  expect(left).toBe(t.due - clock.now());
                  t.state = "cancelled";
                } else expect(left).toBe(false);
                break;
              }
              case "advance": {
                const end = clock.now() + o.ms;
                for (const [id, t] of timers.entries()) {
                  if (t.state !== "pending" || t.due > end) continue;
                  t.state = "fired";
                  expected.set(id, t.to === "name" ? holder : (t.to as number));
                }
                await clock.advanceAsync(o.ms, flush);
                break;
              }
              case "kill": {
                const i = o.i % receivers.length;
                exit(receivers[i].pid, "kill");
                if (!receivers[i].alive) break;
                receivers[i].alive = false;
                if (holder === i) holder = null;
                for (const t of timers) if (t.to === i && t.state === "pending") t.state = "void";
                break;
              }
              case "rename":
                rt.unregister("r");
                holder = addReceiver(receivers.length % 2 === 1, "r");
                break;
            }
            await flush(); // nothing arrives without the clock moving: never synchronously, not even at 0
            expect(rt.stats().timers).toBe(pending());
            expect(clock.pending).toBe(pending());
            // Every message so far arrived once, at the process the model says, never before it was due.
            const seen = new Map<number, number>();
            receivers.forEach((r, i) => {
              for (const [id, at] of r.got) {
                expect(seen.has(id)).toBe(false);
                seen.set(id, i);
                expect(at).toBeGreaterThanOrEqual(timers[id].due);
              }
            });
            // A timer that fired reached its target (alive then, or the holder of the name then), or nobody.
            for (const [id, who] of expected) expect(seen.get(id)).toBe(who ?? undefined);
            for (const id of seen.keys()) expect(expected.has(id)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test("L10: gen_server — requests handled one at a time in arrival order; a call gets its own reply or an error (timeout, exit, noproc), never a late reply; cast always returns", async () => {
    type Mode = "reply" | "noreply" | "stop";
    type Req = {
      kind: "call" | "cast" | "info";
      work: number;
      mode: Mode;
      later: number;
      timeout: number;
      gap: number;
    };
    const req: fc.Arbitrary<Req> = fc.record({
      kind: fc.constantFrom("call", "call", "cast", "info"),
      work: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20 })),
      mode: fc.constantFrom<Mode>("reply", "reply", "noreply", "stop"),
      later: fc.integer({ min: 0, max: 30 }),
      timeout: fc.integer({ min: 1, max: 40 }),
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 })),
    });
    const STOP_REASON = { stopped: "on request" };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(req, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        async (clients, seed) => {
          const clock = new FakeClock();
          const { rt } = quietRuntime({ clock, random: prng(seed) });
          const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
          // One stop request at most (the first one drawn); the others reply.
          let stopSeen = false;
          const reqs = clients.map((list) =>
            list.map((r) => {
              const mode: Mode =
                r.kind === "call" && r.mode === "stop" && !stopSeen
                  ? "stop"
                  : r.mode === "stop"
                    ? "reply"
                    : r.mode;
              if (mode === "stop") stopSeen = true;
              return { ...r, mode };
            }),
          );
          type Tagged = Req & { id: number };
          const value = (id: number) => ({ answer: id });
          const arrived: number[] = []; // request ids in the order they reached the server's mailbox
          const handled: number[] = [];
          const replyAt = new Map<number, number>();
          let inFlight = 0;
          let overlap = false;
          const run = <T>(r: Tagged, done: () => T): T | Promise<T> => {
            handled.push(r.id);
            if (++inFlight > 1) overlap = true;
            const finish = () => {
              inFlight--;
              return done();
            };
            return r.work === 0 ? finish() : sleep(r.work).then(finish);
          };
          const server = rt.spawn({
            init: () => null,
            handleCall: (r: Tagged, from: From, st: null) =>
              run(r, () => {
                if (r.mode === "stop") return stop(STOP_REASON, st);
                if (r.mode === "reply") {
                  replyAt.set(r.id, clock.now());
                  return reply(value(r.id), st);
                }
                clock.setTimeout(() => {
                  replyAt.set(r.id, clock.now());
                  replyTo(from, value(r.id));
                }, r.later);
                return noreply(st);
              }),
            handleCast: (r: Tagged, st: null) => run(r, () => st),
            handleInfo: (r: Tagged, st: null) => run(r, () => st),
          });
          let deathAt: number | undefined;
          rt.watch(server, () => {
            deathAt = clock.now();
          });

          type Outcome = { id: number; start: number; timeout: number; deadOnSend: boolean; result: unknown };
          const outcomes: Outcome[] = [];
          const casts: unknown[] = [];
          let nextId = 0;
          const tagged = reqs.map((list) => list.map((r) => ({ ...r, id: nextId++ })));
          for (const list of tagged) {
            rt.spawn(async () => {
              for (const r of list) {
                if (r.gap > 0) await sleep(r.gap);
                const alive = rt.isAlive(server);
                if (alive) arrived.push(r.id);
                if (r.kind === "cast") casts.push(cast(server, r));
                else if (r.kind === "info") send(server, r);
                else {
                  const o: Outcome = {
                    id: r.id,
                    start: clock.now(),
                    timeout: r.timeout,
                    deadOnSend: !alive,
                    result: null,
                  };
                  outcomes.push(o);
                  try {
                    o.result = await call(server, r, r.timeout);
                  } catch (e) {
                    o.result = e;
                  }
                }
              }
            });
          }
          await clock.advanceAsync(1000, () => settle(rt));

          expect(overlap).toBe(false);
          // Serial, in arrival order; after a stop nothing more is handled.
          const stopAt = arrived.findIndex(
            (id) => tagged.flat()[id].mode === "stop" && tagged.flat()[id].kind === "call",
          );
          expect(handled).toEqual(
            stopAt < 0 || deathAt === undefined ? arrived : arrived.slice(0, stopAt + 1),
          );
          expect(outcomes.length).toBe(tagged.flat().filter((r) => r.kind === "call").length);
          for (const o of outcomes) {
            const r = o.result;
            if (o.deadOnSend) {
              expect(r).toBeInstanceOf(CallError);
              expect((r as CallError).kind).toBe("noproc");
              continue;
            }
            // The earliest of: its reply, the server's death, its deadline (ties may go either way).
            const deadline = o.start + o.timeout;
            const events: [string, number][] = [["timeout", deadline]];
            const at = replyAt.get(o.id);
            if (at !== undefined) events.push(["reply", at]);
            if (deathAt !== undefined && deathAt >= o.start) events.push(["exit", deathAt]);
            const first = Math.min(...events.map(([, t]) => t));
            const allowed = events.filter(([, t]) => t === first).map(([k]) => k);
            const got = r instanceof CallError ? r.kind : "reply";
            expect(allowed).toContain(got);
            if (got === "reply") expect(r).toEqual(value(o.id)); // its own reply, never another's
            if (got === "exit") expect((r as CallError).reason).toBe(STOP_REASON as ExitReason);
          }
          // cast never fails, even with nobody there.
          expect(casts.every((c) => c === undefined)).toBe(true);
          expect(rt.stats().runQueue).toBe(0);
          exit(server, "kill");
          expect(cast(server, "late")).toBeUndefined();
        },
      ),
      { numRuns: 80 },
    );
  });
});
