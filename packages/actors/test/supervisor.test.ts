import {
  type Exit,
  type ExitReason,
  exit,
  link,
  type Pid,
  receive,
  Supervisor,
  send,
  spawn,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { inProcess, quietRuntime, settle } from "./support/helpers.js";
import { family, startSup } from "./support/supervisor.js";

describe("Supervisor: start, stop and restart strategies", () => {
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
