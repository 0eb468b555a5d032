import {
  type Behaviour,
  type ChildSpec,
  Exit,
  type ExitReason,
  exit,
  link,
  type Pid,
  type Runtime,
  receive,
  Supervisor,
  type SupervisorSpec,
  send,
  spawn,
  stop,
  trapExit,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, gate, inProcess, quietRuntime, settle } from "./support/helpers.js";

/** Starts a supervisor inside a trapping host process of `rt` (so it lives on rt's clock and logger). */
function startSup(rt: Runtime, spec: SupervisorSpec, opts: { name?: string } = {}) {
  const hostGot: unknown[] = [];
  let sup!: Pid;
  const host = rt.spawn(async () => {
    trapExit(true);
    sup = Supervisor.start(spec, opts);
    for (;;) hostGot.push(await receive());
  });
  const reason: { value?: ExitReason } = {};
  rt.watch(sup, (r) => {
    reason.value = r;
  });
  return { sup, host, hostGot, reason };
}

/** Children that log "start id" and "down id reason" (the latter when they exit, whatever the cause). */
function family(rt: Runtime) {
  const log: string[] = [];
  const pids = new Map<string, Pid>();
  const worker: Behaviour<null, { exit: ExitReason } | "crash"> = {
    init: () => null,
    handleInfo: (m) => {
      if (m === "crash") throw new Error("crash");
      return stop(m.exit);
    },
  };
  const child = (
    id: string,
    extra: Partial<ChildSpec> = {},
    beh: Behaviour = worker,
    trap = false,
  ): ChildSpec => ({
    id,
    start: () => {
      log.push(`start ${id}`);
      const pid = spawn(beh, undefined, { trapExit: trap });
      rt.watch(pid, (r) => log.push(`down ${id} ${show(r)}`));
      pids.set(id, pid);
      return pid;
    },
    ...extra,
  });
  return { log, pids, child };
}

function show(r: ExitReason): string {
  if (typeof r === "object" && r !== null && "error" in r) return "crash";
  return typeof r === "string" ? r : JSON.stringify(r);
}

describe("Supervisor", () => {
  test("starts children in spec order before start returns; stop shuts them down in reverse, then exits", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup, reason } = startSup(rt, { children: [f.child("a"), f.child("b"), f.child("c")] });
    expect(f.log).toEqual(["start a", "start b", "start c"]);
    const which = await Supervisor.whichChildren(sup);
    expect(which).toEqual(["a", "b", "c"].map((id) => ({ id, pid: f.pids.get(id) })));
    await Supervisor.stop(sup);
    expect(f.log.slice(3)).toEqual(["down c shutdown", "down b shutdown", "down a shutdown"]);
    expect(reason.value).toBe("shutdown");
    expect(rt.isAlive(sup)).toBe(false);
  });

  test("one_for_one restarts only the failed child", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup } = startSup(rt, {
      strategy: "one_for_one",
      children: [f.child("a"), f.child("b"), f.child("c")],
    });
    const before = new Map(f.pids);
    send(f.pids.get("b")!, "crash");
    await settle(rt);
    expect(f.log.slice(3)).toEqual(["down b crash", "start b"]);
    expect(f.pids.get("a")).toBe(before.get("a"));
    expect(f.pids.get("b")).not.toBe(before.get("b"));
    expect((await Supervisor.whichChildren(sup)).map((c) => c.pid)).toEqual(
      ["a", "b", "c"].map((id) => f.pids.get(id)),
    );
  });

  test("one_for_all stops the others (in reverse) and restarts all (in order)", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    startSup(rt, { strategy: "one_for_all", children: [f.child("a"), f.child("b"), f.child("c")] });
    send(f.pids.get("b")!, "crash");
    await settle(rt);
    expect(f.log.slice(3)).toEqual([
      "down b crash",
      "down c shutdown",
      "down a shutdown",
      "start a",
      "start b",
      "start c",
    ]);
  });

  test("rest_for_one stops the later siblings and restarts the failed child and those", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    startSup(rt, {
      strategy: "rest_for_one",
      children: [f.child("a"), f.child("b"), f.child("c"), f.child("d")],
    });
    send(f.pids.get("b")!, "crash");
    await settle(rt);
    expect(f.log.slice(4)).toEqual([
      "down b crash",
      "down d shutdown",
      "down c shutdown",
      "start b",
      "start c",
      "start d",
    ]);
  });

  test("permanent restarts after any exit; transient only after an abnormal one; temporary never", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup } = startSup(rt, {
      intensity: 10,
      children: [
        f.child("p", { restart: "permanent" }),
        f.child("t1", { restart: "transient" }),
        f.child("t2", { restart: "transient" }),
        f.child("t3", { restart: "transient" }),
        f.child("t4", { restart: "transient" }),
        f.child("tmp", { restart: "temporary" }),
      ],
    });
    const kill = async (id: string, m: { exit: ExitReason } | "crash") => {
      send(f.pids.get(id)!, m);
      await settle(rt);
    };
    await kill("p", { exit: "normal" });
    await kill("t1", { exit: "normal" });
    await kill("t2", { exit: "shutdown" });
    await kill("t3", { exit: { shutdown: "for a reason" } });
    await kill("t4", "crash");
    await kill("tmp", "crash");
    expect(f.log.slice(6)).toEqual([
      "down p normal",
      "start p",
      "down t1 normal",
      "down t2 shutdown",
      'down t3 {"shutdown":"for a reason"}',
      "down t4 crash",
      "start t4",
      "down tmp crash",
    ]);
    const which = await Supervisor.whichChildren(sup);
    expect(which.map((c) => [c.id, c.pid !== null])).toEqual([
      ["p", true],
      ["t1", false],
      ["t2", false],
      ["t3", false],
      ["t4", true],
    ]); // the temporary child is gone from the list
  });

  test("a temporary child stopped because of a sibling is removed, not restarted", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup } = startSup(rt, {
      strategy: "one_for_all",
      children: [f.child("a"), f.child("tmp", { restart: "temporary" }), f.child("c")],
    });
    send(f.pids.get("a")!, "crash");
    await settle(rt);
    expect(f.log.slice(3)).toEqual([
      "down a crash",
      "down c shutdown",
      "down tmp shutdown",
      "start a",
      "start c",
    ]);
    expect((await Supervisor.whichChildren(sup)).map((c) => c.id)).toEqual(["a", "c"]);
  });

  test("more than intensity restarts within period: children stopped in reverse, then the supervisor exits shutdown", async () => {
    const clock = new FakeClock();
    const { rt, logs } = quietRuntime({ clock });
    const f = family(rt);
    const { sup, reason, hostGot } = startSup(rt, {
      intensity: 2,
      period: 1000,
      children: [f.child("a"), f.child("b"), f.child("c")],
    });
    for (let i = 0; i < 2; i++) {
      send(f.pids.get("b")!, "crash");
      await settle(rt);
      clock.advance(400);
    }
    expect(rt.isAlive(sup)).toBe(true); // 2 restarts in 1000 ms: allowed
    send(f.pids.get("b")!, "crash"); // the third, 800 ms after the first
    await settle(rt);
    expect(f.log.slice(-3)).toEqual(["down b crash", "down c shutdown", "down a shutdown"]);
    expect(reason.value).toBe("shutdown");
    expect(hostGot).toEqual([new Exit(sup, "shutdown")]);
    expect(
      logs.some(
        (l) => l.level === "error" && /reached its restart intensity \(2 in 1000 ms\)/.test(l.message),
      ),
    ).toBe(true);
    expect(rt.stats().processes).toBe(1); // the host
  });

  test("restarts older than period no longer count (one exactly period ms old neither)", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const f = family(rt);
    const { sup } = startSup(rt, { intensity: 1, period: 100, children: [f.child("a")] });
    send(f.pids.get("a")!, "crash");
    await settle(rt);
    clock.advance(100);
    send(f.pids.get("a")!, "crash");
    await settle(rt);
    // OTP keeps restarts with R >= Now - Period (so it would stop here); Cinder keeps those newer than
    // now - period, as docs/laws.md (L11) states.
    expect(rt.isAlive(sup)).toBe(true);
    clock.advance(99);
    send(f.pids.get("a")!, "crash");
    await settle(rt);
    expect(rt.isAlive(sup)).toBe(false);
  });

  test("intensity 0 allows no restart at all", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { reason } = startSup(rt, { intensity: 0, children: [f.child("a")] });
    send(f.pids.get("a")!, "crash");
    await settle(rt);
    expect(reason.value).toBe("shutdown");
    expect(f.log).toEqual(["start a", "down a crash"]);
  });

  test("a child that does not stop within its shutdown time is killed; brutal_kill kills at once", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const f = family(rt);
    const terminated: string[] = [];
    const stubborn: Behaviour = {
      init: () => null,
      terminate: async () => {
        terminated.push("stubborn");
        await new Promise(() => {}); // never finishes
      },
    };
    const { sup } = startSup(rt, {
      children: [
        f.child("brutal", { shutdown: "brutal_kill" }, stubborn, true),
        f.child("slow", { shutdown: 100 }, stubborn, true),
      ],
    });
    const stopped = Supervisor.stop(sup);
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await settle(rt);
    expect(f.log.slice(2)).toEqual([]);
    expect(terminated).toEqual(["stubborn"]); // slow is in its terminate; it gets 100 ms
    clock.advance(99);
    await settle(rt);
    expect(rt.isAlive(f.pids.get("slow")!)).toBe(true);
    clock.advance(1);
    await stopped;
    expect(done).toBe(true);
    expect(f.log.slice(2)).toEqual(["down slow killed", "down brutal killed"]);
    expect(terminated).toEqual(["stubborn"]); // brutal_kill: no terminate
  });

  test("the default shutdown time of a worker is 5000 ms; infinity waits as long as it takes", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const f = family(rt);
    const g = gate();
    const slowUntilGate: Behaviour = { init: () => null, terminate: () => g.promise };
    const forever: Behaviour = { init: () => null, terminate: () => new Promise(() => {}) };
    const { sup, reason } = startSup(rt, {
      children: [
        f.child("patient", { shutdown: "infinity" }, slowUntilGate, true),
        f.child("dflt", {}, forever, true),
      ],
    });
    void Supervisor.stop(sup);
    await settle(rt);
    clock.advance(4999);
    await settle(rt);
    expect(f.log.slice(2)).toEqual([]);
    clock.advance(1);
    await settle(rt);
    expect(f.log.slice(2)).toEqual(["down dflt killed"]);
    clock.advance(1_000_000);
    await settle(rt);
    expect(rt.isAlive(f.pids.get("patient")!)).toBe(true);
    g.open();
    await settle(rt);
    expect(f.log.slice(2)).toEqual(["down dflt killed", "down patient shutdown"]);
    expect(reason.value).toBe("shutdown");
  });

  test("a child supervisor gets all the time its own children need to stop (default shutdown infinity)", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const f = family(rt);
    const slow: Behaviour = {
      init: () => null,
      terminate: () => new Promise<void>((r) => clock.setTimeout(r, 6000)),
    };
    let inner!: Pid;
    const { sup } = startSup(rt, {
      children: [
        {
          id: "inner",
          start: () => {
            inner = Supervisor.start({ children: [f.child("g", { shutdown: 10_000 }, slow, true)] });
            return inner;
          },
        },
      ],
    });
    let innerReason: ExitReason;
    rt.watch(inner, (r) => {
      innerReason = r;
    });
    const stopped = Supervisor.stop(sup);
    await settle(rt);
    await clock.advanceAsync(7000, () => settle(rt));
    await stopped;
    expect(f.log).toEqual(["start g", "down g shutdown"]);
    expect(innerReason!).toBe("shutdown"); // not "killed" at 5000 ms
  });

  test("a child that fails to start fails the supervisor, after its started siblings stop in reverse", async () => {
    const { rt, logs } = quietRuntime();
    const f = family(rt);
    const { sup, hostGot } = startSup(rt, {
      children: [
        f.child("a"),
        f.child("b"),
        {
          id: "bad",
          start: () => {
            throw new Error("no database");
          },
        },
        f.child("never"),
      ],
    });
    await settle(rt);
    expect(rt.isAlive(sup)).toBe(false);
    expect(f.log).toEqual(["start a", "start b", "down b shutdown", "down a shutdown"]);
    const m = hostGot[0] as Exit;
    expect(m.from).toBe(sup);
    expect(String((m.reason as { error: Error }).error)).toBe(
      'Error: Supervisor: child "bad" failed to start: no database',
    );
    expect(logs.filter((l) => l.level === "error")).toHaveLength(1);
  });

  test("start() must return a live pid", async () => {
    const { rt } = quietRuntime();
    const { sup, hostGot } = startSup(rt, { children: [{ id: "x", start: () => 42 as never }] });
    await settle(rt);
    expect(rt.isAlive(sup)).toBe(false);
    expect(String(((hostGot[0] as Exit).reason as { error: Error }).error)).toMatch(
      /child "x" failed to start: start\(\) must return a Pid, got number 42/,
    );
  });

  test("a failed restart counts as another restart (and can exhaust the intensity)", async () => {
    const { rt, logs } = quietRuntime();
    let starts = 0;
    let first!: Pid;
    const { reason } = startSup(rt, {
      intensity: 3,
      children: [
        {
          id: "flaky",
          start: () => {
            if (++starts > 1) throw new Error(`attempt ${starts} failed`);
            first = spawn({ init: () => null, handleInfo: () => stop("boom") });
            return first;
          },
        },
      ],
    });
    send(first, "exit now");
    await settle(rt);
    // The exit is restart 1; its failed start is restart 2, and so on: the 4th exceeds the intensity of 3.
    expect(starts).toBe(4);
    expect(reason.value).toBe("shutdown");
    const errors = logs.filter((l) => l.level === "error").map((l) => l.message);
    expect(errors.filter((m) => /child "flaky" failed to restart: attempt \d failed/.test(m))).toHaveLength(
      3,
    );
    expect(errors.filter((m) => /reached its restart intensity/.test(m))).toHaveLength(1);
  });

  test("an exit from the supervisor's parent stops its children in reverse, then it exits with that reason", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    let sup!: Pid;
    const parent = rt.spawn(async () => {
      sup = Supervisor.start({ children: [f.child("a"), f.child("b")] });
      await receive();
    });
    let reason: ExitReason;
    rt.watch(sup, (r) => {
      reason = r;
    });
    exit(parent, "going away");
    await settle(rt);
    expect(f.log).toEqual(["start a", "start b", "down b shutdown", "down a shutdown"]);
    expect(reason!).toBe("going away");
  });

  test("an EXIT from a process that is not a child is ignored", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup } = startSup(rt, { children: [f.child("a")] });
    const stranger = rt.spawn({
      init: () => {
        link(sup);
        return null;
      },
    });
    exit(stranger, "boom");
    await settle(rt);
    expect(rt.isAlive(sup)).toBe(true);
    expect(f.log).toEqual(["start a"]);
  });

  test("stop by name, with a reason; stopping a dead supervisor resolves", async () => {
    const { rt } = quietRuntime();
    const f = family(rt);
    const { sup, reason } = startSup(rt, { children: [f.child("a")] }, { name: "top" });
    expect(rt.whereis("top")).toBe(sup);
    // By name from inside a process of rt (outside any process a name is looked up in the default runtime).
    await inProcess(rt, async () => {
      expect((await Supervisor.whichChildren("top")).map((c) => c.id)).toEqual(["a"]);
      await Supervisor.stop("top", "maintenance");
    });
    expect(reason.value).toBe("maintenance");
    expect(rt.whereis("top")).toBeUndefined();
    await Supervisor.stop(sup);
    await Supervisor.stop("no-such-supervisor");
  });

  test("invalid specs are TypeErrors", () => {
    const start = () => spawn({ init: () => null });
    const bad: [unknown, RegExp][] = [
      [null, /expected \{ children: \[\.\.\.\] \}/],
      [{}, /expected \{ children: \[\.\.\.\] \}/],
      [
        { strategy: "one_for_some", children: [] },
        /strategy must be one of one_for_one, one_for_all, rest_for_one/,
      ],
      [{ intensity: -1, children: [] }, /intensity must be an integer >= 0/],
      [{ intensity: 1.5, children: [] }, /intensity must be an integer >= 0/],
      [{ period: 0, children: [] }, /period must be a number of milliseconds > 0/],
      [{ children: [{ id: 1, start }] }, /each child needs an id \(string\) and a start function/],
      [{ children: [{ id: "a" }] }, /each child needs an id/],
      [
        {
          children: [
            { id: "a", start },
            { id: "a", start },
          ],
        },
        /duplicate child id "a"/,
      ],
      [
        { children: [{ id: "a", start, restart: "always" }] },
        /restart must be permanent, transient or temporary/,
      ],
    ];
    for (const [spec, msg] of bad) {
      expect(() => Supervisor.start(spec as never)).toThrow(TypeError);
      expect(() => Supervisor.start(spec as never)).toThrow(msg);
    }
  });
});
