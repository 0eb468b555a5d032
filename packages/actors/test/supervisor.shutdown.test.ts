import { type Behaviour, type ExitReason, type Pid, Supervisor } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, gate, quietRuntime, settle } from "./support/helpers.js";
import { family, startSup } from "./support/supervisor.js";

describe("Supervisor: shutdown of children", () => {
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
});
