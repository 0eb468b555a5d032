import { EventEmitter } from "node:events";
import {
  asSelf,
  createRuntime,
  Down,
  monitor,
  OutsideProcessError,
  type Pid,
  self,
  send,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";

/** A runtime whose crash reports are kept, and a way to wait for a condition (30 s deadline). */
function setup() {
  const logs: string[] = [];
  const rt = createRuntime({ logger: (level, msg) => logs.push(`[${level}] ${msg}`) });
  return { rt, logs };
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached in 30 s");
    await new Promise((r) => setImmediate(r));
  }
}

describe("asSelf", () => {
  test("a bound timer callback of a sync handler runs as the process: self() names it", async () => {
    const { rt } = setup();
    const got: unknown[] = [];
    const pid = rt.spawn({
      init: () => 0,
      handleInfo(msg: string, n: number) {
        if (msg === "start")
          setTimeout(
            asSelf(() => send(self(), "tick")),
            1,
          );
        else got.push([msg, self()]);
        return n + 1;
      },
    });
    rt.send(pid, "start");
    await until(() => got.length === 1);
    expect(got).toEqual([["tick", pid]]);
  });

  test("an event listener bound with asSelf gets its arguments and returns its result", async () => {
    const { rt } = setup();
    const emitter = new EventEmitter();
    const seen: unknown[] = [];
    const pid = rt.spawn({
      init: () => {
        emitter.on(
          "data",
          asSelf((chunk: string) => send(self(), { chunk })),
        );
        return null;
      },
      handleInfo: (msg: unknown, s: null) => {
        seen.push(msg);
        return s;
      },
    });
    emitter.emit("data", "a");
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ chunk: "a" }]);
    expect(pid).toBeDefined();
  });

  test("a throw in a bound callback crashes that process with the error, not Node", async () => {
    const { rt, logs } = setup();
    const downs: Down[] = [];
    let victim: Pid | undefined;
    rt.spawn({
      init: () => {
        victim = rt.spawn({
          init: () => {
            setTimeout(
              asSelf(() => {
                throw new Error("bug in a timer");
              }),
              1,
            );
            return null;
          },
        });
        monitor(victim);
        return null;
      },
      handleInfo: (msg: unknown, s: null) => {
        if (msg instanceof Down) downs.push(msg);
        return s;
      },
    });
    await until(() => downs.length === 1);
    expect(downs[0].pid).toBe(victim);
    expect((downs[0].reason as { error: Error }).error.message).toBe("bug in a timer");
    expect(logs.some((l) => l.includes("crashed: Error: bug in a timer"))).toBe(true);
  });

  test("a rejection of a bound async callback crashes the process; self() holds after its await", async () => {
    const { rt } = setup();
    const downs: Down[] = [];
    const selves: Pid[] = [];
    let victim: Pid | undefined;
    rt.spawn({
      init: () => {
        victim = rt.spawn({
          init: () => {
            setTimeout(
              asSelf(async () => {
                await new Promise((r) => setImmediate(r));
                selves.push(self());
                throw new Error("async bug");
              }),
              1,
            );
            return null;
          },
        });
        monitor(victim);
        return null;
      },
      handleInfo: (msg: unknown, s: null) => {
        if (msg instanceof Down) downs.push(msg);
        return s;
      },
    });
    await until(() => downs.length === 1);
    expect(selves).toEqual([victim]);
    expect((downs[0].reason as { error: Error }).error.message).toBe("async bug");
  });

  test("after the process exited, the bound callback does nothing", async () => {
    const { rt } = setup();
    let bound: (() => number | undefined) | undefined;
    const pid = rt.spawn({
      init: () => {
        bound = asSelf(() => 42);
        return null;
      },
    });
    expect(bound!()).toBe(42);
    rt.exit(pid, "kill");
    await until(() => !rt.isAlive(pid));
    expect(bound!()).toBeUndefined();
  });

  test("outside a process, asSelf (as self) throws OutsideProcessError saying what to do", () => {
    expect(() => asSelf(() => 1)).toThrow(OutsideProcessError);
    expect(() => self()).toThrow(/^self\(\): called outside any process\. In a timer/);
  });
});
