import {
  type Behaviour,
  exit,
  type Pid,
  type Runtime,
  receive,
  type SpawnOptions,
  self,
  send,
  stop,
} from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { prng, quietRuntime, settle } from "./support/helpers.js";

// Laws L1-L4 (docs/laws.md). Each run uses an isolated runtime whose scheduler picks the next runnable
// process at random (seeded by fast-check), one message at a time; async handlers and function processes
// wait on fast-check's scheduler, which releases their promises in an order it chooses. A failing
// interleaving is replayed from the seed fast-check prints.

const RUNS = { numRuns: 80 };

type SenderKind = "stepper" | "async-stepper" | "function" | "burst";
const senderKinds: SenderKind[] = ["stepper", "async-stepper", "function", "burst"];
type ReceiverKind = "sync" | "async" | "function";

/** A yield point that fast-check's scheduler releases when it likes. */
const yieldTo = (s: fc.Scheduler) => s.schedule(Promise.resolve());

/**
 * Starts a sender that sends `msgs` to `to`, one per step: a behaviour that sends itself a "go" per message
 * (so the random scheduler interleaves it with everything else), the same with an async handler, a function
 * process that yields to `s` between sends, or a behaviour that sends everything from its init.
 */
function startSender(rt: Runtime, kind: SenderKind, to: Pid, msgs: unknown[], s: fc.Scheduler): Pid {
  switch (kind) {
    case "stepper":
    case "async-stepper": {
      const step = (st: { next: number }) => {
        send(to, msgs[st.next++]);
        if (st.next < msgs.length) send(self(), "go");
        return st;
      };
      const beh: Behaviour<{ next: number }> = {
        init: () => {
          if (msgs.length > 0) send(self(), "go");
          return { next: 0 };
        },
        handleInfo:
          kind === "stepper"
            ? (_m, st) => step(st)
            : async (_m, st) => {
                await yieldTo(s);
                return step(st);
              },
      };
      return rt.spawn(beh);
    }
    case "function":
      return rt.spawn(async () => {
        for (const m of msgs) {
          send(to, m);
          await yieldTo(s);
        }
      });
    case "burst":
      return rt.spawn({
        init: () => {
          for (const m of msgs) send(to, m);
          return null;
        },
      });
  }
}

/** Starts a receiver that records every message it gets into `got` (and keeps running). */
function startReceiver(
  rt: Runtime,
  kind: ReceiverKind,
  got: unknown[],
  s: fc.Scheduler,
  opts: SpawnOptions = {},
): Pid {
  switch (kind) {
    case "sync":
      return rt.spawn(
        {
          init: () => null,
          handleInfo: (m, st) => {
            got.push(m);
            return st;
          },
        },
        undefined,
        opts,
      );
    case "async":
      return rt.spawn(
        {
          init: () => null,
          handleInfo: async (m, st) => {
            await yieldTo(s);
            got.push(m);
            return st;
          },
        },
        undefined,
        opts,
      );
    case "function":
      return rt.spawn(
        async () => {
          for (;;) {
            got.push(await receive());
            await yieldTo(s);
          }
        },
        undefined,
        opts,
      );
  }
}

const receiverKind = fc.constantFrom<ReceiverKind>("sync", "async", "function");

describe("actors laws: messaging", () => {
  test("L1: per-pair FIFO — a sender's messages arrive in the order sent, whatever the interleaving", async () => {
    const senders = fc.array(
      fc.record({ kind: fc.constantFrom(...senderKinds), count: fc.integer({ min: 0, max: 8 }) }),
      { minLength: 1, maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(senders, receiverKind, fc.integer(), fc.scheduler(), async (specs, rk, seed, s) => {
        const { rt } = quietRuntime({ random: prng(seed) });
        const got: [number, number][] = [];
        const recv = startReceiver(rt, rk, got, s);
        specs.forEach((spec, id) => {
          const msgs = Array.from({ length: spec.count }, (_, seq) => [id, seq]);
          startSender(rt, spec.kind, recv, msgs, s);
        });
        await settle(rt, s);
        specs.forEach((spec, id) => {
          const seqs = got.filter(([from]) => from === id).map(([, seq]) => seq);
          // In order (L1), and (nothing died) every one of them exactly once.
          expect(seqs).toEqual(Array.from({ length: spec.count }, (_, i) => i));
        });
      }),
      RUNS,
    );
  });

  test("L2: no duplication — what a process receives is a sub-multiset of what was sent to it", async () => {
    const senders = fc.array(
      fc.record({
        kind: fc.constantFrom(...senderKinds),
        values: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 8 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    const bound = fc.option(
      fc.record({
        max: fc.integer({ min: 1, max: 4 }),
        onOverflow: fc.constantFrom("drop-newest" as const, "drop-oldest" as const, "exit" as const),
      }),
    );
    const killAfter = fc.option(fc.integer({ min: 0, max: 12 }));
    const receiver = fc.constantFrom<"sync" | "function">("sync", "function");
    await fc.assert(
      fc.asyncProperty(
        senders,
        receiver,
        bound,
        killAfter,
        fc.integer(),
        fc.scheduler(),
        async (specs, rk, mailbox, kill, seed, s) => {
          const { rt } = quietRuntime({ random: prng(seed) });
          const got: { v: number; uid: number }[] = [];
          const recv = startReceiver(rt, rk, got as unknown[], s, mailbox === null ? {} : { mailbox });
          if (kill !== null) {
            // A killer that takes `kill` scheduler steps, then kills the receiver mid-stream.
            rt.spawn({
              init: () => {
                send(self(), "tick");
                return kill;
              },
              handleInfo: (_m, n: number) => {
                if (n === 0) {
                  exit(recv, "kill");
                  return stop("normal");
                }
                send(self(), "tick");
                return n - 1;
              },
            });
          }
          let uid = 0;
          const sent: { v: number; uid: number }[] = [];
          for (const spec of specs) {
            const msgs = spec.values.map((v) => ({ v, uid: uid++ }));
            sent.push(...msgs);
            startSender(rt, spec.kind, recv, msgs, s);
          }
          await settle(rt, s);
          const count = (xs: { v: number }[], v: number) => xs.filter((m) => m.v === v).length;
          for (let v = 0; v <= 3; v++) expect(count(got, v)).toBeLessThanOrEqual(count(sent, v));
          // Each delivered message is one that was sent, and is delivered once.
          const uids = got.map((m) => m.uid);
          expect(new Set(uids).size).toBe(uids.length);
          for (const m of got) expect(sent[m.uid]).toBe(m);
          if (mailbox === null && kill === null) {
            expect(got.map((m) => m.uid).sort((a, b) => a - b)).toEqual(sent.map((m) => m.uid));
          }
        },
      ),
      RUNS,
    );
  });

  test("L3: sending to a dead pid is a no-op; sending to an unregistered name throws", async () => {
    const N = 3;
    const names = ["a", "b", "c"];
    const op = fc.oneof(
      fc.record({ op: fc.constant("sendPid" as const), i: fc.nat(N - 1), v: fc.nat(99) }),
      fc.record({ op: fc.constant("sendName" as const), n: fc.constantFrom(...names), v: fc.nat(99) }),
      fc.record({
        op: fc.constantFrom("kill" as const, "stop" as const, "crash" as const),
        i: fc.nat(N - 1),
      }),
      fc.record({ op: fc.constant("register" as const), n: fc.constantFrom(...names), i: fc.nat(N - 1) }),
      fc.record({ op: fc.constant("unregister" as const), n: fc.constantFrom(...names) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.integer(), async (ops, seed) => {
        const { rt } = quietRuntime({ random: prng(seed) });
        const got: number[][] = [];
        const pids: Pid[] = [];
        for (let i = 0; i < N; i++) {
          const mine: number[] = [];
          got.push(mine);
          pids.push(
            rt.spawn({
              init: () => null,
              handleInfo: (m: { v: number } | "stop" | "crash", st) => {
                if (m === "stop") return stop("normal");
                if (m === "crash") throw new Error("crash");
                mine.push(m.v);
                return st;
              },
            }),
          );
        }
        // The model.
        const alive = pids.map(() => true);
        const named = new Map<string, number>();
        const expected: number[][] = pids.map(() => []);
        const die = (i: number) => {
          alive[i] = false;
          for (const [n, j] of named) if (j === i) named.delete(n);
        };
        for (const o of ops) {
          switch (o.op) {
            case "sendPid":
              expect(send(pids[o.i], { v: o.v })).toBeUndefined();
              if (alive[o.i]) expected[o.i].push(o.v);
              break;
            case "sendName": {
              const i = named.get(o.n);
              if (i === undefined) {
                let err: unknown;
                try {
                  rt.send(o.n, { v: o.v });
                } catch (e) {
                  err = e;
                }
                expect(err).toBeInstanceOf(Error);
                expect(err).not.toBeInstanceOf(TypeError);
                expect(String(err)).toContain(JSON.stringify(o.n));
              } else {
                rt.send(o.n, { v: o.v });
                expected[i].push(o.v);
              }
              break;
            }
            case "kill":
              exit(pids[o.i], "kill");
              die(o.i);
              break;
            case "stop":
            case "crash":
              send(pids[o.i], o.op);
              die(o.i);
              break;
            case "register": {
              const ok = alive[o.i] && !named.has(o.n) && ![...named.values()].includes(o.i);
              if (ok) {
                rt.register(o.n, pids[o.i]);
                named.set(o.n, o.i);
              } else expect(() => rt.register(o.n, pids[o.i])).toThrow();
              break;
            }
            case "unregister":
              expect(rt.unregister(o.n)).toBe(named.delete(o.n));
              break;
          }
          await settle(rt);
          expect(rt.stats().processes).toBe(alive.filter(Boolean).length);
          expect(rt.stats().runQueue).toBe(0);
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  test("L4: selective receive returns the oldest matching message; the rest keep their order", async () => {
    // Messages are digits; a receive's pattern is a set of digits, and -1 (a sentinel we send at the end so
    // that every receive completes). Sends are interleaved with the receives (some land in the mailbox
    // first, some reach a receive that is already waiting); arrival order is the send order either way.
    const pattern = fc.subarray([0, 1, 2, 3, 4, 5]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 14 }),
        fc.array(pattern, { maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }),
        async (msgs, patterns, pauses) => {
          const { rt } = quietRuntime();
          const taken: number[] = [];
          const rest: number[] = [];
          let done!: () => void;
          const finished = new Promise<void>((r) => {
            done = r;
          });
          const p = rt.spawn(async () => {
            for (const pat of patterns) taken.push(await receive((m: number) => m === -1 || pat.includes(m)));
            for (let m = await receive(); m !== -2; m = await receive()) rest.push(m);
            done();
          });
          for (let i = 0; i < msgs.length; i++) {
            send(p, msgs[i]);
            if (pauses[i]) await settle(rt);
          }
          for (const _ of patterns) send(p, -1);
          send(p, -2);
          await finished;

          // The model: each receive removes the first matching message of what is left.
          const queue = [...msgs, ...patterns.map(() => -1)];
          const want: number[] = [];
          for (const pat of patterns) {
            const i = queue.findIndex((m) => m === -1 || pat.includes(m));
            want.push(queue.splice(i, 1)[0]);
          }
          expect(taken).toEqual(want);
          expect(rest).toEqual(queue);
        },
      ),
      { numRuns: 100 },
    );
  });
});
