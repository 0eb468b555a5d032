import {
  Down,
  exit,
  link,
  monitor,
  type Pid,
  processInfo,
  Supervisor,
  send,
  spawn,
  stop,
} from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { quietRuntime } from "./support/helpers.js";

const idle = { init: () => null, handleInfo: (_m: unknown, s: null) => s };

describe("the process table", () => {
  test("processes() lists the live processes, oldest first; an exited one leaves at once", async () => {
    const { rt } = quietRuntime({ processTable: true });
    const pids = [rt.spawn(idle), rt.spawn(idle), rt.spawn(idle)];
    expect(rt.processes()).toEqual(pids);
    rt.exit(pids[1], "kill");
    expect(rt.processes()).toEqual([pids[0], pids[2]]);
  });

  test("law: after any sequence of spawns and kills, processes() is exactly the live processes", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant("spawn" as const), fc.nat(30)), { maxLength: 60 }), (ops) => {
        const { rt } = quietRuntime({ processTable: true });
        const alive: Pid[] = [];
        for (const op of ops) {
          if (op === "spawn") alive.push(rt.spawn(idle));
          else if (alive.length > 0) rt.exit(alive.splice(op % alive.length, 1)[0], "kill");
        }
        expect(rt.processes().map(String).sort()).toEqual(alive.map(String).sort());
        expect(rt.stats().processes).toBe(alive.length);
      }),
    );
  });

  test("without a table, processes() says how to get one; processInfo still answers", () => {
    const { rt } = quietRuntime({ processTable: false });
    const pid = rt.spawn(idle);
    expect(() => rt.processes()).toThrow(/processTable: true/);
    const info = rt.processInfo(pid)!;
    expect(info.status).toBe("waiting");
    expect(info.handled).toBeNull();
  });

  test("processInfo tells name, label, mailbox (and its first messages), links, monitors, counters", async () => {
    const { rt } = quietRuntime({ processTable: true });
    const done: unknown[] = [];
    const counter = rt.spawn(
      {
        label: "Counter",
        init: () => ({ count: 0 }),
        handleInfo: (msg: string, s: { count: number }) => {
          if (msg === "stop") return stop("normal", s);
          return { count: s.count + 1 };
        },
      },
      undefined,
      { name: "counter" },
    );
    for (let i = 0; i < 5; i++) rt.send(counter, "inc");
    const watcher = rt.spawn({
      init: () => {
        monitor(counter);
        link(counter);
        return null;
      },
      handleInfo: (msg: unknown, s: null) => {
        if (msg instanceof Down) done.push(msg.reason);
        return s;
      },
    });
    const before = rt.processInfo(counter, { messages: 2 })!;
    expect(before.name).toBe("counter");
    expect(before.label).toBe("Counter");
    expect(before.kind).toBe("behaviour");
    expect(before.mailbox).toBe(5);
    expect(before.messages).toEqual(["'inc'", "'inc'"]);
    expect(before.links).toEqual([watcher]);
    expect(before.monitoredBy).toEqual([watcher]);
    expect(rt.processInfo(watcher)!.monitors).toEqual([counter]);
    await rt.drain();
    const after = rt.processInfo(counter)!;
    expect(after.mailbox).toBe(0);
    expect(after.handled).toBe(5);
    expect(after.state).toBe("{ count: 5 }");
    expect(after.lastActive!).toBeGreaterThanOrEqual(after.spawnedAt!);
    rt.send(counter, "stop");
    await rt.drain();
    expect(rt.processInfo(counter)).toBeUndefined();
    expect(rt.processes()).toEqual([watcher]);
  });

  test("the free processInfo finds a process of any runtime; a dead pid gives undefined", async () => {
    const pid = spawn(idle);
    expect(processInfo(pid)?.pid).toBe(pid);
    exit(pid, "kill");
    expect(processInfo(pid)).toBeUndefined();
    send(pid, "ignored");
  });
});

describe("Supervisor.info", () => {
  test("strategy, limits, children with their restart counts", async () => {
    const sup = Supervisor.start({
      strategy: "one_for_one",
      intensity: 5,
      period: 60_000,
      children: [
        { id: "a", start: () => spawn(idle) },
        { id: "b", start: () => spawn(idle), restart: "transient" },
      ],
    });
    expect(Supervisor.isSupervisor(sup)).toBe(true);
    expect(processInfo(sup)?.label).toBe("Supervisor");
    const first = await Supervisor.info(sup);
    expect(first).toMatchObject({ strategy: "one_for_one", intensity: 5, period: 60_000, recentRestarts: 0 });
    exit(first.children[0].pid!, "kill");
    let info = await Supervisor.info(sup);
    while (info.children[0].pid === null) info = await Supervisor.info(sup);
    expect(info.children.map((c) => [c.id, c.restart, c.restarts])).toEqual([
      ["a", "permanent", 1],
      ["b", "transient", 0],
    ]);
    expect(info.recentRestarts).toBe(1);
    await Supervisor.stop(sup);
  });
});
