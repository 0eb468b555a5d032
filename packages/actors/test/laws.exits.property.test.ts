import {
  type Behaviour,
  Down,
  demonitor,
  Exit,
  type ExitReason,
  exit,
  link,
  monitor,
  type Pid,
  type Ref,
  receive,
  self,
  send,
  spawn,
  stop,
  unlink,
  whereis,
} from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { prng, quietRuntime, settle } from "./support/helpers.js";

// Laws L5-L8 (docs/laws.md): exit signals through links, monitors, and names around exits.

type Cmd =
  | { cmd: "link" | "unlink"; pid: Pid }
  | { cmd: "stop"; reason: ExitReason }
  | { cmd: "crash"; error: Error }
  | { cmd: "exit"; pid: Pid | "self"; reason: ExitReason };

/** A process that obeys commands and records every other message it gets. */
function commandable(log: unknown[]): Behaviour<null, Cmd | unknown> {
  return {
    init: () => null,
    handleInfo: (m, st) => {
      const c = m as Cmd;
      switch (c?.cmd) {
        case "link":
          link(c.pid);
          return st;
        case "unlink":
          unlink(c.pid);
          return st;
        case "stop":
          return stop(c.reason);
        case "crash":
          throw c.error;
        case "exit":
          exit(c.pid === "self" ? self() : c.pid, c.reason);
          return st;
        default:
          log.push(m);
          return st;
      }
    },
  };
}

const CUSTOM = { custom: "reason" };
const reasonArb = fc.constantFrom<ExitReason>("normal", "shutdown", "kill", CUSTOM);

describe("actors laws: links, monitors, names", () => {
  test("L5: link exits — normal is ignored unless trapped, other reasons kill or arrive as EXIT, kill → killed; links are symmetric and idempotent", async () => {
    const death = fc.oneof(
      fc.record({ how: fc.constant("stop" as const), reason: reasonArb }),
      fc.record({ how: fc.constant("crash" as const) }),
      fc.record({
        how: fc.constantFrom("outside" as const, "third" as const, "self" as const),
        reason: reasonArb,
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.constantFrom<"A" | "B">("A", "B"), { minLength: 1, maxLength: 3 }),
        fc.option(fc.constantFrom<"A" | "B">("A", "B")),
        death,
        fc.integer(),
        async (aTraps, bTraps, linkers, unlinker, d, seed) => {
          const { rt } = quietRuntime({ random: prng(seed) });
          const aLog: unknown[] = [];
          const bLog: unknown[] = [];
          const a = rt.spawn(commandable(aLog), undefined, { trapExit: aTraps });
          const b = rt.spawn(commandable(bLog), undefined, { trapExit: bTraps });
          const third = rt.spawn(commandable([]));
          const reasons = new Map<Pid, ExitReason>();
          for (const p of [a, b]) rt.watch(p, (r) => reasons.set(p, r));
          const other = (x: "A" | "B") => (x === "A" ? b : a);
          const me = (x: "A" | "B") => (x === "A" ? a : b);
          for (const x of linkers) send(me(x), { cmd: "link", pid: other(x) });
          await settle(rt);
          if (unlinker !== null) send(me(unlinker), { cmd: "unlink", pid: other(unlinker) });
          await settle(rt);
          expect(rt.isAlive(a) && rt.isAlive(b)).toBe(true);

          // A's fate, by Erlang's rules.
          const error = new Error("crash");
          let aReason: ExitReason | undefined; // undefined: A survives
          let aGetsExit: { from: Pid | null; reason: ExitReason } | undefined;
          if (d.how === "stop") {
            send(a, { cmd: "stop", reason: d.reason });
            aReason = d.reason;
          } else if (d.how === "crash") {
            send(a, { cmd: "crash", error });
            aReason = { error };
          } else {
            const from = d.how === "outside" ? null : d.how === "third" ? third : a;
            if (d.how === "outside") exit(a, d.reason);
            else if (d.how === "third") send(third, { cmd: "exit", pid: a, reason: d.reason });
            else send(a, { cmd: "exit", pid: "self", reason: d.reason });
            if (d.reason === "kill") aReason = "killed";
            else if (aTraps) aGetsExit = { from, reason: d.reason };
            else if (d.reason !== "normal" || d.how === "self") aReason = d.reason;
          }
          await settle(rt);

          expect(reasons.get(a)).toEqual(aReason);
          expect(rt.isAlive(a)).toBe(aReason === undefined);
          const aExits = aLog.filter((m) => m instanceof Exit);
          expect(aExits).toEqual(aGetsExit === undefined ? [] : [new Exit(aGetsExit.from, aGetsExit.reason)]);
          // B's fate: the link carries A's reason as is (even "kill", which only `exit` turns into "killed").
          const bExits = bLog.filter((m) => m instanceof Exit);
          if (unlinker !== null || aReason === undefined) {
            expect(rt.isAlive(b)).toBe(true);
            expect(bExits).toEqual([]);
          } else if (bTraps) {
            expect(rt.isAlive(b)).toBe(true);
            expect(bExits).toEqual([new Exit(a, aReason)]); // once, however many times the link was made
          } else if (aReason === "normal") {
            expect(rt.isAlive(b)).toBe(true);
            expect(bExits).toEqual([]);
          } else {
            expect(reasons.get(b)).toEqual(aReason);
            expect(rt.isAlive(b)).toBe(false);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test("L6: each monitor gives exactly one DOWN with the exit reason; a dead pid gives noproc; after demonitor(flush) its DOWN is never seen", async () => {
    const T = 3;
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ cmd: fc.constant("monitor" as const), t: fc.nat(T - 1) }) },
      {
        weight: 2,
        arbitrary: fc.record({ cmd: fc.constant("demonitor" as const), r: fc.nat(), flush: fc.boolean() }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          cmd: fc.constant("kill" as const),
          t: fc.nat(T - 1),
          reason: fc.constantFrom<ExitReason>("shutdown", "kill", CUSTOM),
        }),
      },
    );
    type Op =
      | { cmd: "monitor"; t: number }
      | { cmd: "demonitor"; r: number; flush: boolean }
      | { cmd: "kill"; t: number; reason: ExitReason };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 20 }), async (ops: Op[]) => {
        const { rt } = quietRuntime();
        const targets = Array.from({ length: T }, () => rt.spawn({ init: () => null }));
        const script: Op[] = [
          ...ops,
          ...targets.map((_, t) => ({ cmd: "kill" as const, t, reason: "shutdown" })),
        ];
        const refs: Ref[] = [];
        const downs: Down[] = [];
        const results: boolean[] = [];
        let done!: () => void;
        const finished = new Promise<void>((r) => {
          done = r;
        });
        // The watcher takes its commands with a selective receive, so DOWN messages pile up in its mailbox
        // behind them (as they would while it is busy), where demonitor(flush) can find them.
        const w = rt.spawn(async () => {
          for (const o of script) {
            await receive((m) => m === o);
            if (o.cmd === "monitor") refs.push(monitor(targets[o.t]));
            else if (o.cmd === "demonitor") {
              if (refs.length > 0) results.push(demonitor(refs[o.r % refs.length], { flush: o.flush }));
            } else exit(targets[o.t], o.reason);
          }
          send(self(), "end");
          for (let m = await receive(); m !== "end"; m = await receive()) downs.push(m);
          done();
        });
        for (const o of script) send(w, o);
        await finished;

        // The model.
        const alive = targets.map(() => true);
        const active: { ref: number; t: number }[] = []; // live monitors
        const queued: { ref: number; t: number; reason: ExitReason }[] = []; // DOWNs in the mailbox
        let n = 0;
        for (const o of script) {
          if (o.cmd === "monitor") {
            const ref = n++;
            if (alive[o.t]) active.push({ ref, t: o.t });
            else queued.push({ ref, t: o.t, reason: "noproc" });
          } else if (o.cmd === "demonitor") {
            if (n === 0) continue;
            const ref = o.r % n;
            const i = active.findIndex((m) => m.ref === ref);
            if (i >= 0) active.splice(i, 1);
            const j = queued.findIndex((m) => m.ref === ref);
            if (j >= 0 && o.flush) queued.splice(j, 1);
          } else if (alive[o.t]) {
            alive[o.t] = false;
            const reason = o.reason === "kill" ? "killed" : o.reason;
            for (const m of active.filter((m) => m.t === o.t)) queued.push({ ref: m.ref, t: m.t, reason });
            active.splice(0, active.length, ...active.filter((m) => m.t !== o.t));
          }
        }
        expect(active).toEqual([]);
        expect(results.every((r) => r === true)).toBe(true);
        const seen = downs.map((d) => {
          expect(d).toBeInstanceOf(Down);
          return { ref: refs.indexOf(d.ref), t: targets.findIndex((p) => p.equals(d.pid)), reason: d.reason };
        });
        const byRef = (x: { ref: number }, y: { ref: number }) => x.ref - y.ref;
        expect(seen.sort(byRef)).toEqual(queued.sort(byRef));
      }),
      { numRuns: 100 },
    );
  });

  test("L7: once a DOWN or EXIT for P is seen, whereis(P's name) is no longer P", async () => {
    const how = fc.constantFrom("kill", "shutdown", "crash", "stop", "overflow", "link", "asyncTerminate");
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ how, linked: fc.boolean(), reregister: fc.boolean() }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.integer(),
        async (procs, seed) => {
          const { rt } = quietRuntime({ random: prng(seed) });
          const names = new Map<string, string>(); // String(pid) -> name
          const violations: string[] = [];
          const seen: string[] = [];
          const check = (pid: Pid, via: string) => {
            const name = names.get(String(pid))!;
            seen.push(name);
            if (rt.whereis(name)?.equals(pid)) violations.push(`${via}: ${name} still names ${pid}`);
          };
          const reregister = new Set<string>();
          // An observer that links to some processes (trapping) and monitors the others; on each DOWN or
          // EXIT it checks the name and maybe registers a fresh process under it (which must not throw).
          const observer = rt.spawn(
            {
              init: () => null,
              handleInfo: (m: unknown, st) => {
                if (m instanceof Down || m instanceof Exit) {
                  const pid = m instanceof Down ? m.pid : m.from!;
                  check(pid, m.type);
                  const name = names.get(String(pid))!;
                  if (reregister.has(name)) spawn({ init: () => null }, undefined, { name });
                } else {
                  const { watch, pid } = m as { watch: "link" | "monitor"; pid: Pid };
                  if (watch === "link") link(pid);
                  else monitor(pid);
                }
                return st;
              },
            },
            undefined,
            { trapExit: true },
          );
          const behaviours = {
            plain: {
              init: () => null,
              handleInfo: (m: string, st: null) => {
                if (m === "crash") throw new Error("crash");
                if (m === "stop") return stop("normal");
                return st;
              },
            },
            asyncTerminate: {
              init: () => null,
              handleInfo: () => stop("shutdown"),
              terminate: async () => {
                await new Promise((r) => setImmediate(r));
              },
            },
          };
          const victims = procs.map((spec, i) => {
            const name = `p${i}`;
            const beh = spec.how === "asyncTerminate" ? behaviours.asyncTerminate : behaviours.plain;
            const opts =
              spec.how === "overflow" ? { name, mailbox: { max: 1, onOverflow: "exit" as const } } : { name };
            const pid = rt.spawn(beh, undefined, opts);
            names.set(String(pid), name);
            if (spec.reregister) reregister.add(name);
            // A synchronous observer too: a watch callback runs while the process is being torn down.
            rt.watch(pid, () => check(pid, "watch"));
            send(observer, { watch: spec.linked ? "link" : "monitor", pid });
            return pid;
          });
          await settle(rt);
          procs.forEach((spec, i) => {
            const p = victims[i];
            switch (spec.how) {
              case "kill":
              case "shutdown":
                exit(p, spec.how);
                break;
              case "crash":
              case "stop":
                send(p, spec.how);
                break;
              case "overflow":
                send(p, "x");
                send(p, "y");
                break;
              case "asyncTerminate":
                send(p, "go");
                break;
              case "link": {
                const helper = rt.spawn({ init: () => null });
                rt.spawn(
                  {
                    init: () => {
                      link(p);
                      link(helper);
                      return null;
                    },
                  },
                  undefined,
                );
                exit(helper, "boom"); // helper -> middle -> p, each dying with "boom"
                break;
              }
            }
          });
          await settle(rt);
          expect(violations).toEqual([]);
          // Every victim died and was seen by the watch callback and by the observer.
          for (let i = 0; i < procs.length; i++) {
            expect(rt.isAlive(victims[i])).toBe(false);
            expect(seen.filter((n) => n === `p${i}`).length).toBe(2);
            expect(rt.whereis(`p${i}`) !== undefined).toBe(reregister.has(`p${i}`));
          }
          expect(rt.isAlive(observer)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("L8: register is injective (one name per pid, one pid per name) and names are freed on exit", async () => {
    const NAMES = ["a", "b", "c"];
    const P = 3;
    const op = fc.oneof(
      fc.record({ op: fc.constant("register" as const), n: fc.constantFrom(...NAMES), i: fc.nat(P - 1) }),
      fc.record({ op: fc.constant("unregister" as const), n: fc.constantFrom(...NAMES) }),
      fc.record({ op: fc.constant("spawnNamed" as const), n: fc.constantFrom(...NAMES) }),
      fc.record({ op: fc.constantFrom("kill" as const, "stop" as const), i: fc.nat(P + 2) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const { rt } = quietRuntime();
        const beh = { init: () => null, handleInfo: () => stop("normal") };
        const pids: Pid[] = Array.from({ length: P }, () => rt.spawn(beh));
        const alive = pids.map(() => true);
        const model = new Map<string, number>(); // name -> index into pids
        const die = (i: number) => {
          alive[i] = false;
          for (const [n, j] of model) if (j === i) model.delete(n);
        };
        for (const o of ops) {
          switch (o.op) {
            case "register": {
              const taken = model.has(o.n);
              const hasName = [...model.values()].includes(o.i);
              if (taken || hasName || !alive[o.i]) {
                expect(() => rt.register(o.n, pids[o.i])).toThrow(Error);
              } else {
                rt.register(o.n, pids[o.i]);
                model.set(o.n, o.i);
              }
              break;
            }
            case "unregister":
              expect(rt.unregister(o.n)).toBe(model.delete(o.n));
              break;
            case "spawnNamed": {
              const before = rt.stats().processes;
              if (model.has(o.n)) {
                expect(() => rt.spawn(beh, undefined, { name: o.n })).toThrow(/already registered/);
                expect(rt.stats().processes).toBe(before);
              } else {
                pids.push(rt.spawn(beh, undefined, { name: o.n }));
                alive.push(true);
                model.set(o.n, pids.length - 1);
              }
              break;
            }
            case "kill":
            case "stop": {
              const i = o.i % pids.length;
              if (o.op === "kill") exit(pids[i], "kill");
              else send(pids[i], "stop");
              if (alive[i]) die(i);
              await settle(rt);
              break;
            }
          }
          // The registry is the model: same names, same pids, all alive, no pid twice.
          for (const n of NAMES) {
            const i = model.get(n);
            const got = rt.whereis(n);
            if (i === undefined) expect(got).toBeUndefined();
            else expect(got).toBe(pids[i]);
            if (got !== undefined) expect(rt.isAlive(got)).toBe(true);
          }
          const held = NAMES.map((n) => rt.whereis(n)).filter((p) => p !== undefined);
          expect(new Set(held).size).toBe(held.length);
          expect(rt.stats().names).toBe(model.size);
        }
        // The free functions act on the default runtime: a name there is not a name here.
        for (const n of NAMES) if (model.has(n)) expect(whereis(n)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
