/** The scheduler: seeded and stepped interleavings, turns, fairness, and the event loop kept alive. */
import { createRuntime, exit, type Pid, self, send } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { blocked, gate, prng, quietRuntime, settle } from "./support/helpers.js";

describe("scheduling", () => {
  /** Three senders, two messages each (one per scheduler step), to one receiver: the order it sees. */
  async function interleaving(seed: number): Promise<string> {
    const { rt } = quietRuntime({ random: prng(seed) });
    const order: string[] = [];
    const recv = rt.spawn({
      init: () => null,
      handleInfo: (m: string, s) => {
        order.push(m);
        return s;
      },
    });
    for (const name of ["a", "b", "c"]) {
      rt.spawn({
        init: () => {
          send(self(), "next");
          return 0;
        },
        handleInfo: (_m, k: number) => {
          send(recv, `${name}${k}`);
          if (k < 1) send(self(), "next");
          return k + 1;
        },
      });
    }
    await settle(rt);
    return order.join(" ");
  }

  test("a seeded random source gives a reproducible interleaving, and different seeds explore others", async () => {
    expect(await interleaving(1)).toBe(await interleaving(1));
    expect(await interleaving(7)).toBe(await interleaving(7));
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(await interleaving(seed));
    expect(seen.size).toBeGreaterThan(1);
    for (const order of seen) {
      for (const name of ["a", "b", "c"])
        expect(order.indexOf(`${name}0`)).toBeLessThan(order.indexOf(`${name}1`));
    }
  });

  test("a custom schedule runs turns only when the test steps them, one process per turn", async () => {
    const turns: (() => void)[] = [];
    const rt = createRuntime({ schedule: (turn) => turns.push(turn), logger: () => {} });
    const handled: string[] = [];
    const mk = (name: string) =>
      rt.spawn({
        init: () => null,
        handleInfo: (m: string, s) => {
          handled.push(`${name}:${m}`);
          return s;
        },
      });
    const a = mk("a");
    const b = mk("b");
    send(a, "1");
    send(b, "1");
    send(a, "2");
    expect(turns).toHaveLength(1);
    expect(handled).toEqual([]);
    turns.shift()!();
    expect(handled).toEqual(["a:1", "a:2"]);
    expect(turns).toHaveLength(1); // b is still waiting
    turns.shift()!();
    expect(handled).toEqual(["a:1", "a:2", "b:1"]);
    expect(turns).toHaveLength(0);
  });

  test("while an async handler is pending, later messages wait in order", async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    const p = rt.spawn(blocked(handled, g));
    send(p, 1);
    send(p, 2);
    send(p, 3);
    await settle(rt);
    expect(handled).toEqual([1]);
    g.open();
    await settle(rt);
    expect(handled).toEqual([1, 2, 3]);
  });

  test("a long-running mailbox does not starve the event loop", async () => {
    const { rt } = quietRuntime();
    let n = 0;
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        n++;
        send(p, "again");
        return s;
      },
    });
    send(p, "go");
    await new Promise((r) => setTimeout(r, 20)); // a timer still gets its turn
    expect(n).toBeGreaterThan(0);
    exit(p, "kill");
  });

  test("a process with a long mailbox yields: a process queued after it runs before it has handled all", async () => {
    const { rt } = quietRuntime();
    const N = 100_000; // far more than one turn's budget
    let handled = 0;
    let handledWhenOtherRan = -1;
    const busy = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        handled++;
        return s;
      },
    });
    const other = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        handledWhenOtherRan = handled;
        return s;
      },
    });
    for (let i = 0; i < N; i++) send(busy, i);
    send(other, "hello");
    await settle(rt);
    expect(handled).toBe(N);
    expect(handledWhenOtherRan).toBeGreaterThan(0);
    expect(handledWhenOtherRan).toBeLessThan(N);
  });

  test("a message a process sends itself waits for its next turn: the process it sends to runs in between", async () => {
    const { rt } = quietRuntime();
    const log: string[] = [];
    const b = rt.spawn({
      init: () => null,
      handleInfo: (m: number, s) => {
        log.push(`b${m}`);
        return s;
      },
    });
    const a: Pid = rt.spawn({
      init: () => 0,
      handleInfo: (_go: "go", k: number) => {
        log.push(`a${k}`);
        send(b, k);
        if (k < 3) send(a, "go");
        return k + 1;
      },
    });
    send(a, "go");
    await settle(rt);
    expect(log).toEqual(["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]);
  });
});
