/** The runtime as a whole: its counters, isAlive and drain, telemetry on diagnostics_channel, the console logger. */
import diagnosticsChannel from "node:diagnostics_channel";
import {
  channels,
  consoleLogger,
  createRuntime,
  exit,
  isAlive,
  link,
  monitor,
  type Pid,
  receive,
  send,
} from "@cinder/actors";
import { afterEach, describe, expect, test, vi } from "vitest";
import { FakeClock, quietRuntime, settle } from "./support/helpers.js";

describe("stats, isAlive, drain", () => {
  test("stats count processes, names and timers, and go back to zero when everything is gone", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const pids: Pid[] = [];
    for (let i = 0; i < 20; i++) {
      const p = rt.spawn(
        { init: () => null, handleInfo: (_m, s) => s },
        undefined,
        i % 2 ? { name: `n${i}` } : {},
      );
      rt.sendAfter(p, "tick", 1000);
      pids.push(p);
    }
    rt.sendAfter("n1", "by name", 50);
    const fnProc = rt.spawn(async () => {
      for (const p of pids.slice(0, 5)) {
        link(p);
        monitor(p);
      }
      await receive();
    });
    for (const p of pids) send(p, "hello");
    expect(rt.stats()).toMatchObject({ processes: 21, runQueue: 20, names: 10, timers: 21 });
    await settle(rt);
    expect(rt.stats().runQueue).toBe(0);
    clock.advance(50);
    for (const p of pids.slice(5)) exit(p, "shutdown");
    exit(pids[0], "kill"); // takes fnProc and pids 1-4 with it through links
    await settle(rt);
    expect(isAlive(fnProc)).toBe(false);
    expect(rt.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
    expect(clock.pending).toBe(0);
  });

  test("isAlive answers for pids of any runtime; a non-pid is a TypeError", () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({ init: () => null });
    expect(isAlive(p)).toBe(true);
    expect(rt.isAlive(p)).toBe(true);
    exit(p, "kill");
    expect(isAlive(p)).toBe(false);
    expect(() => isAlive("p" as never)).toThrow('isAlive: expected a Pid, got the string "p"');
    expect(() => rt.isAlive(undefined as never)).toThrow(TypeError);
  });

  test("drain resolves once no process is waiting to run", async () => {
    const { rt } = quietRuntime();
    let n = 0;
    const p = rt.spawn({
      init: () => 0,
      handleInfo: (m: number, s) => {
        n++;
        if (m > 0) send(p, m - 1);
        return s;
      },
    });
    send(p, 2000);
    await rt.drain();
    expect(n).toBe(2001);
    expect(rt.stats().runQueue).toBe(0);
  });

  test("exits that cross runtimes are booked on the dead process's own runtime", () => {
    const { rt: a } = quietRuntime();
    const { rt: b } = quietRuntime();
    const p = a.spawn({ init: () => null }, undefined, { name: "p" });
    const q = b.spawn(
      {
        init: () => {
          link(p);
          return null;
        },
      },
      undefined,
      { name: "q" },
    );
    exit(p, "boom"); // outside any process: through the default runtime
    expect(isAlive(q)).toBe(false); // the link crossed runtimes
    expect(a.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
    expect(b.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
    expect(a.whereis("p")).toBeUndefined();
    expect(b.whereis("q")).toBeUndefined();
  });
});

describe("diagnostics_channel", () => {
  const subs: [string, (m: unknown) => void][] = [];
  afterEach(() => {
    for (const [name, fn] of subs.splice(0)) diagnosticsChannel.unsubscribe(name, fn);
  });
  function listen(name: string): unknown[] {
    const got: unknown[] = [];
    const fn = (m: unknown) => got.push(m);
    diagnosticsChannel.subscribe(name, fn);
    subs.push([name, fn]);
    return got;
  }

  test("cinder:actors:spawn, :exit and :crash carry the pid, parent, reason and error", async () => {
    const { rt } = quietRuntime({ node: "diag" });
    const spawns = listen("cinder:actors:spawn");
    const exits = listen("cinder:actors:exit");
    const crashes = listen("cinder:actors:crash");
    expect(channels.spawn.name).toBe("cinder:actors:spawn");
    const error = new Error("boom");
    let child!: Pid;
    const parent = rt.spawn(async () => {
      child = rt.spawn({
        init: () => null,
        handleInfo: () => {
          throw error;
        },
      });
      await receive();
    });
    send(child, "crash");
    await settle(rt);
    exit(parent, "shutdown");
    const mine = (xs: unknown[]) => xs.filter((x) => (x as { pid: Pid }).pid.node === "diag");
    expect(mine(spawns)).toEqual([
      { pid: parent, parent: null },
      { pid: child, parent },
    ]);
    expect(mine(crashes)).toEqual([{ pid: child, error }]);
    expect(mine(exits)).toEqual([
      { pid: child, reason: { error } },
      { pid: parent, reason: "shutdown" },
    ]);
  });
});

describe("consoleLogger", () => {
  test("writes [level] lines to stderr, dropping levels below its own", () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const log = consoleLogger("warn");
      log("error", "bad");
      log("warn", "careful");
      log("info", "fyi");
      log("debug", "details");
      expect(write.mock.calls.map((c) => c[0])).toEqual(["[error] bad\n", "[warn] careful\n"]);
    } finally {
      write.mockRestore();
    }
  });

  test("a crash on a runtime without a logger goes to stderr", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const rt = createRuntime();
      const p = rt.spawn({
        init: () => null,
        handleInfo: () => {
          throw new Error("to stderr");
        },
      });
      send(p, "go");
      await settle(rt);
      const lines = write.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("to stderr"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[error\] process <local\.\d+> crashed: Error: to stderr/);
    } finally {
      write.mockRestore();
    }
  });
});
