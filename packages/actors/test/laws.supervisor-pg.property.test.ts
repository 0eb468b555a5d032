import {
  type Behaviour,
  call,
  Down,
  demonitor,
  type ExitReason,
  exit,
  type From,
  monitor,
  type Pid,
  type Ref,
  type RestartType,
  receive,
  reply,
  type Strategy,
  Supervisor,
  send,
  spawn,
  stop,
  trapExit,
} from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FakeClock, prng, quietRuntime, settle } from "./support/helpers.js";

// Laws L11 (supervisors) and L12 (pg) of docs/laws.md.

type DieReason = "normal" | "shutdown" | "crash" | "custom" | "kill";

/** A short name for an exit reason, for the event log. */
function show(reason: ExitReason): string {
  if (typeof reason === "string") return reason;
  if (typeof reason === "object" && reason !== null && "error" in reason) return "crash";
  if (typeof reason === "object" && reason !== null && "custom" in reason) return "custom";
  return String(reason);
}

describe("actors laws: supervisor and pg", () => {
  test("L11: supervisor — start in spec order, stop in reverse; restart sets by strategy; restart types respected; more than intensity restarts in period → children stopped, then exit shutdown", async () => {
    const childArb = fc.record({
      restart: fc.constantFrom<RestartType>("permanent", "transient", "temporary"),
      trap: fc.boolean(),
    });
    type Op = { op: "die"; i: number; reason: DieReason } | { op: "advance"; ms: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          op: fc.constant("die" as const),
          i: fc.nat(),
          reason: fc.constantFrom<DieReason>("normal", "shutdown", "crash", "custom", "kill"),
        }),
      },
      {
        weight: 1,
        // Time steps that often put two restarts exactly `period` ms apart (the edge of the window).
        arbitrary: fc.record({ op: fc.constant("advance" as const), ms: fc.constantFrom(0, 5, 10, 20, 30) }),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Strategy>("one_for_one", "one_for_all", "rest_for_one"),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(10, 20, 50),
        fc.array(childArb, { minLength: 1, maxLength: 4 }),
        fc.array(op, { maxLength: 12 }),
        fc.integer(),
        async (strategy, intensity, period, specs, ops, seed) => {
          const clock = new FakeClock();
          const { rt } = quietRuntime({ clock, random: prng(seed) });
          // Every start and every exit, in the order they happen (a watch callback runs at the exit itself).
          const log: string[] = [];
          const pids = new Map<string, Pid>();
          const worker: Behaviour<null, { die: DieReason }> = {
            init: () => null,
            handleInfo: (m) => {
              if (m.die === "crash") throw new Error("crash");
              return stop(m.die === "custom" ? { custom: true } : m.die);
            },
            terminate: () => {},
          };
          const children = specs.map((s, k) => ({
            id: `c${k}`,
            restart: s.restart,
            start: () => {
              log.push(`start c${k}`);
              const pid = spawn(worker, undefined, { trapExit: s.trap });
              rt.watch(pid, (r) => log.push(`down c${k} ${show(r)}`));
              pids.set(`c${k}`, pid);
              return pid;
            },
          }));
          // The supervisor's parent traps exits, so it outlives the supervisor.
          let sup!: Pid;
          rt.spawn(async () => {
            trapExit(true);
            sup = Supervisor.start({ strategy, intensity, period, children });
            await receive(() => false);
          });
          rt.watch(sup, (r) => log.push(`sup down ${show(r)}`));

          // The model, after OTP's supervisor.erl.
          type M = { id: string; restart: RestartType; running: boolean };
          let model: M[] = children.map((c) => ({ id: c.id, restart: c.restart, running: true }));
          const want: string[] = model.map((c) => `start ${c.id}`);
          let restarts: number[] = [];
          let supAlive = true;
          const stopAll = (cs: M[]) => {
            for (const c of cs.filter((x) => x.running).reverse()) {
              want.push(`down ${c.id} shutdown`);
              c.running = false;
            }
          };
          const childExited = (c: M, reason: string) => {
            want.push(`down ${c.id} ${reason}`);
            c.running = false;
            const restart =
              c.restart === "permanent" ||
              (c.restart === "transient" && reason !== "normal" && reason !== "shutdown");
            if (!restart) {
              if (c.restart === "temporary") model = model.filter((x) => x !== c);
              return;
            }
            const now = clock.now();
            restarts = [...restarts.filter((t) => t > now - period), now];
            if (restarts.length > intensity) {
              stopAll(model);
              want.push("sup down shutdown");
              supAlive = false;
              return;
            }
            const i = model.indexOf(c);
            const affected =
              strategy === "one_for_one" ? [c] : strategy === "one_for_all" ? [...model] : model.slice(i);
            stopAll(affected.filter((x) => x !== c));
            const toStart = affected.filter((x) => x === c || x.restart !== "temporary");
            model = model.filter((x) => !affected.includes(x) || toStart.includes(x));
            for (const x of toStart) {
              want.push(`start ${x.id}`);
              x.running = true;
            }
          };

          const checkChildren = async () => {
            await settle(rt);
            expect(log).toEqual(want);
            expect(rt.isAlive(sup)).toBe(supAlive);
            if (!supAlive) return;
            const which = await Supervisor.whichChildren(sup);
            expect(which.map((c) => c.id)).toEqual(model.map((c) => c.id));
            which.forEach((c, k) => {
              expect(c.pid === null).toBe(!model[k].running);
              if (c.pid !== null) expect(c.pid).toBe(pids.get(c.id));
            });
          };
          await checkChildren();
          for (const o of ops) {
            if (o.op === "advance") clock.advance(o.ms);
            else if (supAlive) {
              const c = model[o.i % model.length];
              if (c === undefined || !c.running) continue;
              const pid = pids.get(c.id)!;
              if (o.reason === "kill") exit(pid, "kill");
              else send(pid, { die: o.reason });
              childExited(c, o.reason === "kill" ? "killed" : o.reason);
            }
            await checkChildren();
          }
          if (supAlive) {
            await Supervisor.stop(sup);
            stopAll(model);
            want.push("sup down shutdown");
            supAlive = false;
            await checkChildren();
          }
          expect(rt.stats().processes).toBe(1); // only the parent is left
        },
      ),
      { numRuns: 100 },
    );
  });

  test("L12: pg — members = joins − leaves − exited pids, as a multiset; leave of a non-member is not_joined; an empty group is [] (on a process-group registry written in this test on top of monitors; the real pg is @cinder/pubsub's)", async () => {
    // A minimal pg scope: a behaviour that keeps groups of pids, monitors each member once, and on DOWN
    // removes every occurrence of the dead pid.
    type St = { groups: Map<string, Pid[]>; mons: Map<string, Ref> };
    type Req =
      | { op: "join" | "leave"; group: string; pid: Pid }
      | { op: "members"; group: string }
      | { op: "groups" };
    const count = (st: St, pid: Pid) =>
      [...st.groups.values()].reduce((n, ms) => n + ms.filter((p) => p.equals(pid)).length, 0);
    const pg: Behaviour<St, unknown, void, Req> = {
      init: () => ({ groups: new Map(), mons: new Map() }),
      handleCall: (req: Req, _from: From, st: St) => {
        switch (req.op) {
          case "join": {
            if (!st.mons.has(String(req.pid))) st.mons.set(String(req.pid), monitor(req.pid));
            st.groups.set(req.group, [...(st.groups.get(req.group) ?? []), req.pid]);
            return reply("ok", st);
          }
          case "leave": {
            const ms = st.groups.get(req.group) ?? [];
            const i = ms.findIndex((p) => p.equals(req.pid));
            if (i < 0) return reply("not_joined", st);
            ms.splice(i, 1);
            if (ms.length === 0) st.groups.delete(req.group);
            if (count(st, req.pid) === 0) {
              demonitor(st.mons.get(String(req.pid))!, { flush: true });
              st.mons.delete(String(req.pid));
            }
            return reply("ok", st);
          }
          case "members":
            return reply([...(st.groups.get(req.group) ?? [])], st);
          case "groups":
            return reply([...st.groups.keys()], st);
        }
      },
      handleInfo: (m, st) => {
        if (m instanceof Down) {
          st.mons.delete(String(m.pid));
          for (const [g, ms] of st.groups) {
            const left = ms.filter((p) => !p.equals(m.pid));
            if (left.length === 0) st.groups.delete(g);
            else st.groups.set(g, left);
          }
        }
        return st;
      },
    };
    const G = ["g1", "g2"];
    const P = 4;
    const op = fc.oneof(
      fc.record({
        op: fc.constantFrom("join" as const, "leave" as const),
        g: fc.constantFrom(...G),
        i: fc.nat(P - 1),
      }),
      fc.record({ op: fc.constant("kill" as const), i: fc.nat(P - 1) }),
      fc.record({ op: fc.constant("members" as const), g: fc.constantFrom(...G, "never-joined") }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.integer(), async (ops, seed) => {
        const { rt } = quietRuntime({ random: prng(seed) });
        const scope = rt.spawn(pg);
        const pids = Array.from({ length: P }, () => rt.spawn({ init: () => null }));
        const alive = pids.map(() => true);
        const model = new Map<string, number[]>(G.map((g) => [g, []]));
        const sortIds = (xs: number[]) => [...xs].sort((a, b) => a - b);
        for (const o of ops) {
          if (o.op === "join") {
            expect(await call(scope, { op: "join", group: o.g, pid: pids[o.i] })).toBe("ok");
            if (alive[o.i]) model.get(o.g)!.push(o.i); // joining a dead pid: it is gone at once (noproc)
          } else if (o.op === "leave") {
            const ms = model.get(o.g)!;
            const k = ms.indexOf(o.i);
            expect(await call(scope, { op: "leave", group: o.g, pid: pids[o.i] })).toBe(
              k < 0 ? "not_joined" : "ok",
            );
            if (k >= 0) ms.splice(k, 1);
          } else if (o.op === "kill") {
            exit(pids[o.i], "kill");
            alive[o.i] = false;
            for (const [g, ms] of model)
              model.set(
                g,
                ms.filter((i) => i !== o.i),
              );
          } else {
            const got: Pid[] = await call(scope, { op: "members", group: o.g });
            const want = model.get(o.g) ?? [];
            expect(sortIds(got.map((p) => pids.findIndex((q) => q.equals(p))))).toEqual(sortIds(want));
          }
          await settle(rt);
          const groups: string[] = await call(scope, { op: "groups" });
          expect(groups.sort()).toEqual(G.filter((g) => model.get(g)!.length > 0));
        }
      }),
      { numRuns: 80 },
    );
  });
});
