import {
  cancelTimer,
  createRuntime,
  Down,
  exit,
  monitor,
  type Pid,
  receive,
  register,
  runtime,
  self,
  send,
  sendAfter,
  stop,
  Timer,
  unregister,
  whereis,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, inProcess, quietRuntime, settle } from "./support/helpers.js";

const idle = { init: () => null };

describe("register, unregister, whereis", () => {
  test("register then whereis; unregister frees the name (false when it was free)", () => {
    const { rt } = quietRuntime();
    const p = rt.spawn(idle);
    expect(rt.whereis("svc")).toBeUndefined();
    rt.register("svc", p);
    expect(rt.whereis("svc")).toBe(p);
    expect(rt.stats().names).toBe(1);
    expect(rt.unregister("svc")).toBe(true);
    expect(rt.unregister("svc")).toBe(false);
    expect(rt.whereis("svc")).toBeUndefined();
    rt.register("svc2", p); // the pid may take a new name once the old one is gone
    expect(rt.whereis("svc2")).toBe(p);
  });

  test("a taken name, a pid that already has a name, a dead pid: errors", () => {
    const { rt } = quietRuntime();
    const a = rt.spawn(idle, undefined, { name: "a" });
    const b = rt.spawn(idle);
    expect(() => rt.register("a", b)).toThrow('register: the name "a" is already registered');
    expect(() => rt.register("a", a)).toThrow(/already registered/);
    expect(() => rt.register("other", a)).toThrow(`register: ${a} is already registered as "a"`);
    rt.exit(b, "kill");
    expect(() => rt.register("b", b)).toThrow(`register: ${b} is not alive`);
    expect(rt.stats().names).toBe(1);
  });

  test("bad names and non-pids are TypeErrors", () => {
    const { rt } = quietRuntime();
    const p = rt.spawn(idle);
    expect(() => rt.register("", p)).toThrow(TypeError);
    expect(() => rt.register(5 as never, p)).toThrow(
      "register: a name must be a non-empty string, got number 5",
    );
    expect(() => rt.register("x", "pid" as never)).toThrow('register: expected a Pid, got the string "pid"');
  });

  test("a name is released when its process exits, before the DOWN is delivered", async () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({ init: () => null, handleInfo: () => stop("normal") }, undefined, { name: "svc" });
    const seen = await inProcess(rt, async () => {
      const ref = monitor(p);
      send(p, "stop");
      const down = await receive((m) => m instanceof Down && m.ref === ref);
      return { down, where: whereis("svc") };
    });
    expect(seen.down.reason).toBe("normal");
    expect(seen.where).toBeUndefined();
    expect(rt.stats().names).toBe(0);
    rt.spawn(idle, undefined, { name: "svc" }); // free again
  });

  test("the free functions use the caller's runtime: names do not leak between runtimes", async () => {
    const { rt } = quietRuntime();
    const p = rt.spawn(idle);
    await inProcess(rt, () => register("inside", p));
    expect(rt.whereis("inside")).toBe(p);
    expect(whereis("inside")).toBeUndefined();
    expect(await inProcess(rt, () => whereis("inside"))).toBe(p);
    expect(await inProcess(rt, () => unregister("inside"))).toBe(true);
  });

  test("a pid of another runtime cannot be registered (its exit would clear the other registry)", () => {
    const { rt } = quietRuntime();
    const mine = rt.spawn(idle, undefined, { name: "x" });
    const p = rt.spawn(idle);
    expect(() => register("x", p)).toThrow(/belongs to another runtime/); // the default runtime
    rt.exit(p, "kill");
    expect(rt.whereis("x")).toBe(mine);
    expect(whereis("x")).toBeUndefined();
  });
});

describe("sendAfter and cancelTimer", () => {
  test("delivers after the delay and never before, on the runtime's clock", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const got: [unknown, number][] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (m, s) => {
        got.push([m, clock.now()]);
        return s;
      },
    });
    rt.sendAfter(p, "tick", 100);
    expect(rt.stats().timers).toBe(1);
    clock.advance(99);
    await settle(rt);
    expect(got).toEqual([]);
    clock.advance(1);
    await settle(rt);
    expect(got).toEqual([["tick", 100]]);
    expect(rt.stats().timers).toBe(0);
  });

  test("a clock that fires early does not make the message early", async () => {
    const clock = new FakeClock(0.5); // fires every timeout half a millisecond early
    const { rt } = quietRuntime({ clock });
    const got: number[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        got.push(clock.now());
        return s;
      },
    });
    rt.sendAfter(p, "tick", 10);
    await clock.advanceAsync(20, () => settle(rt));
    expect(got).toEqual([10]);
  });

  test("never synchronously, not even with a delay of 0 (real clock)", async () => {
    const rt = createRuntime();
    const got: unknown[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (m, s) => {
        got.push(m);
        return s;
      },
    });
    rt.sendAfter(p, "now?", 0);
    for (let i = 0; i < 10; i++) await null;
    expect(got).toEqual([]);
    await new Promise((r) => setTimeout(r, 5));
    await settle(rt);
    expect(got).toEqual(["now?"]);
  });

  test("cancelTimer returns the ms left and the message never arrives; then false", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const got: unknown[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (m, s) => {
        got.push(m);
        return s;
      },
    });
    const t = rt.sendAfter(p, "never", 100);
    clock.advance(30);
    expect(t).toBeInstanceOf(Timer);
    expect(rt.cancelTimer(t)).toBe(70);
    expect(rt.cancelTimer(t)).toBe(false); // already cancelled
    const fired = rt.sendAfter(p, "fired", 10);
    clock.advance(200);
    await settle(rt);
    expect(rt.cancelTimer(fired)).toBe(false); // already fired
    expect(got).toEqual(["fired"]);
    expect(rt.stats().timers).toBe(0);
  });

  test("a timer to a pid is cancelled when that process exits; one to a dead pid never fires", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const p = rt.spawn(idle);
    const t = rt.sendAfter(p, "x", 50);
    expect(clock.pending).toBe(1);
    rt.exit(p, "kill");
    expect(rt.stats().timers).toBe(0);
    expect(clock.pending).toBe(0);
    expect(rt.cancelTimer(t)).toBe(false);
    const dead = rt.sendAfter(p, "y", 10);
    expect(clock.pending).toBe(0);
    expect(rt.cancelTimer(dead)).toBe(false);
  });

  test("a timer to a name resolves the name when it fires; nobody there is fine", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const got: unknown[] = [];
    rt.sendAfter("later", "first", 10);
    rt.sendAfter("later", "second", 20);
    clock.advance(10); // nobody is registered yet: dropped
    const p = rt.spawn(
      {
        init: () => null,
        handleInfo: (m, s) => {
          got.push(m);
          return s;
        },
      },
      undefined,
      {
        name: "later",
      },
    );
    clock.advance(10);
    await settle(rt);
    expect(got).toEqual(["second"]);
    expect(rt.isAlive(p)).toBe(true);
  });

  test("from inside a process the free functions use that process's runtime and clock", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const got = inProcess(rt, async () => {
      sendAfter(self(), "a", 10);
      const t = sendAfter(self(), "b", 20);
      const left = cancelTimer(t);
      return [await receive(), left];
    });
    await settle(rt);
    clock.advance(10);
    expect(await got).toEqual(["a", 20]);
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY, "10", undefined])(
    "a bad delay (%o) is a TypeError",
    (ms) => {
      const { rt } = quietRuntime();
      const p = rt.spawn(idle);
      expect(() => rt.sendAfter(p, "x", ms as never)).toThrow(TypeError);
      expect(() => rt.sendAfter(p, "x", ms as never)).toThrow(
        /sendAfter: the delay must be a finite number >= 0/,
      );
      expect(rt.stats().timers).toBe(0);
    },
  );

  test("a bad destination or a non-timer is a TypeError", () => {
    const { rt } = quietRuntime();
    expect(() => rt.sendAfter(3 as never, "x", 1)).toThrow(
      "sendAfter: expected a Pid or a registered name, got number 3",
    );
    expect(() => rt.cancelTimer({} as never)).toThrow(
      "cancelTimer: expected a Timer, got an object (Object)",
    );
  });

  test("timers across runtimes are counted and cleared by the runtime that set them", () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const p: Pid = rt.spawn(idle);
    const before = runtime().stats().timers;
    const outside = sendAfter(p, "x", 1000); // the default runtime (real clock) sets it
    const named = rt.sendAfter("nobody", "y", 1000); // rt's fake clock
    expect(runtime().stats().timers).toBe(before + 1);
    expect(rt.stats().timers).toBe(1);
    expect(cancelTimer(named)).toBe(1000); // cancelled through the default runtime's free function
    expect(clock.pending).toBe(0);
    expect(rt.stats().timers).toBe(0);
    exit(p, "kill"); // clears `outside` on the default runtime
    expect(runtime().stats().timers).toBe(before);
    expect(rt.stats().timers).toBe(0);
    expect(cancelTimer(outside)).toBe(false);
  });
});
