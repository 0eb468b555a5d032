import { Exit, type Pid, send, spawn, stop } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, quietRuntime, settle } from "./support/helpers.js";
import { family, startSup } from "./support/supervisor.js";

describe("Supervisor: restart intensity", () => {
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
});
