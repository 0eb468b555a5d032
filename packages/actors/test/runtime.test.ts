import diagnosticsChannel from "node:diagnostics_channel";
import {
  type Behaviour,
  call,
  channels,
  consoleLogger,
  createRuntime,
  Down,
  type ExitReason,
  exit,
  isAlive,
  link,
  monitor,
  type Pid,
  receive,
  reply,
  self,
  send,
  stop,
} from "@cinder/actors";
import { afterEach, describe, expect, test, vi } from "vitest";
import { FakeClock, gate, inProcess, prng, quietRuntime, settle } from "./support/helpers.js";

/** A behaviour whose handleInfo records each message, then waits for `g` (so mail piles up meanwhile). */
function blocked(handled: unknown[], g: { promise: Promise<void> }): Behaviour {
  return {
    init: () => null,
    handleInfo: async (m, s) => {
      handled.push(m);
      await g.promise;
      return s;
    },
  };
}

describe("bounded mailboxes", () => {
  test("drop-newest discards arriving messages while the mailbox is full", async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2 } }); // drop-newest is the default
    send(p, 0);
    await settle(rt); // 0 is being handled; the mailbox is empty
    for (let i = 1; i <= 4; i++) send(p, i);
    g.open();
    await settle(rt);
    expect(handled).toEqual([0, 1, 2]);
    expect(rt.isAlive(p)).toBe(true);
  });

  test("drop-oldest discards the oldest queued message to make room", async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2, onOverflow: "drop-oldest" } });
    send(p, 0);
    await settle(rt);
    for (let i = 1; i <= 4; i++) send(p, i);
    g.open();
    await settle(rt);
    expect(handled).toEqual([0, 3, 4]);
  });

  test('"exit" kills the process with reason "mailbox_overflow"', async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    let reason: ExitReason;
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2, onOverflow: "exit" } });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, 0);
    await settle(rt);
    send(p, 1);
    send(p, 2);
    expect(rt.isAlive(p)).toBe(true);
    send(p, 3);
    expect(rt.isAlive(p)).toBe(false);
    expect(reason!).toBe("mailbox_overflow");
    g.open();
    await settle(rt);
    expect(handled).toEqual([0]);
  });

  test("a function process's mailbox is bounded too; a message taken by a waiting receive is not queued", async () => {
    const { rt } = quietRuntime();
    const got: unknown[] = [];
    const g = gate();
    const p = rt.spawn(
      async () => {
        got.push(await receive()); // waiting: takes "first" directly
        await g.promise;
        for (;;) got.push(await receive());
      },
      undefined,
      { mailbox: { max: 2 } },
    );
    send(p, "first");
    await settle(rt);
    for (const m of ["a", "b", "c"]) send(p, m);
    g.open();
    await settle(rt);
    expect(got).toEqual(["first", "a", "b"]);
  });
  test.each(["drop-newest", "drop-oldest", "exit"] as const)(
    "a receive waiting with a full mailbox still gets the message it waits for (%s)",
    async (onOverflow) => {
      const { rt } = quietRuntime();
      const got: unknown[] = [];
      const p = rt.spawn(
        async () => {
          got.push(await receive((m) => m === "reply"));
          got.push(await receive(), await receive());
        },
        undefined,
        { mailbox: { max: 2, onOverflow } },
      );
      send(p, "noise1");
      send(p, "noise2");
      await settle(rt);
      send(p, "reply"); // taken by the waiting receive: it never sits in the (full) mailbox
      await settle(rt);
      expect(got).toEqual(["reply", "noise1", "noise2"]);
      expect(rt.isAlive(p)).toBe(false); // returned normally
    },
  );
});

describe("crashes", () => {
  function explodeHere(): never {
    throw new Error("kaboom");
  }

  test("a crash is logged once, with its stack, and ends only its own process", async () => {
    const { rt, logs } = quietRuntime();
    const counter: Behaviour<number, "crash" | "inc", void, "get"> = {
      init: () => 0,
      handleInfo: (m, n) => (m === "crash" ? explodeHere() : n + 1),
      handleCall: (_r, _f, n) => reply(n, n),
    };
    const victim = rt.spawn(counter);
    const bystander = rt.spawn(counter);
    const trapping = rt.spawn(
      {
        ...counter,
        init: () => {
          link(victim);
          return 0;
        },
      },
      undefined,
      { trapExit: true },
    );
    const linkedPlain = rt.spawn({
      init: () => {
        link(victim);
        return null;
      },
    });
    const watcher = inProcess(rt, async () => {
      const ref = monitor(victim);
      return receive((m) => m instanceof Down && m.ref === ref);
    });
    send(victim, "crash");
    send(bystander, "inc");
    await settle(rt);

    expect(rt.isAlive(victim)).toBe(false);
    expect(rt.isAlive(linkedPlain)).toBe(false); // killed by the link, silently
    expect((await watcher).reason).toEqual({ error: new Error("kaboom") });
    expect(await call(bystander, "get")).toBe(1);
    expect(await call(trapping, "get")).toBe(1); // it got (and counted) one EXIT message
    const errors = logs.filter((l) => l.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(
      new RegExp(`^process ${victim} crashed: Error: kaboom\\n\\s+at explodeHere`),
    );
  });

  test("a rejected async handler crashes the process the same way", async () => {
    const { rt, logs } = quietRuntime();
    let reason: ExitReason;
    const p = rt.spawn({
      init: () => null,
      handleInfo: async () => {
        await null;
        throw new Error("async kaboom");
      },
    });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, "go");
    await settle(rt);
    expect(reason!).toEqual({ error: new Error("async kaboom") });
    expect(logs).toHaveLength(1);
    expect(logs[0].message).toContain("async kaboom");
  });

  test("a thrown non-Error is described in the log", async () => {
    const { rt, logs } = quietRuntime();
    const p = rt.spawn({
      init: () => null,
      handleInfo: () => {
        throw 42;
      },
    });
    send(p, "go");
    await settle(rt);
    expect(logs.map((l) => l.message)).toEqual([`process ${p} crashed: number 42`]);
  });
});

describe("terminate", () => {
  test("runs on stop(reason) with the last state, and on a crash with { error }; not on kill", async () => {
    const { rt } = quietRuntime();
    const calls: [ExitReason, unknown][] = [];
    const beh: Behaviour<number, "stop" | "crash" | "inc"> = {
      init: () => 0,
      handleInfo: (m, n) => {
        if (m === "stop") return stop("done", n + 100);
        if (m === "crash") throw new Error("x");
        return n + 1;
      },
      terminate: (r, n) => {
        calls.push([r, n]);
      },
    };
    const a = rt.spawn(beh);
    send(a, "inc");
    send(a, "stop");
    const b = rt.spawn(beh);
    send(b, "crash");
    const c = rt.spawn(beh);
    await settle(rt);
    exit(c, "kill");
    expect(calls).toEqual([
      ["done", 101],
      [{ error: new Error("x") }, 0],
    ]);
  });

  test("a terminate that throws is logged; the process still exits with its reason", async () => {
    const { rt, logs } = quietRuntime();
    let reason: ExitReason;
    const p = rt.spawn({
      init: () => null,
      handleInfo: () => stop("bye"),
      terminate: () => {
        throw new Error("terminate failed");
      },
    });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, "go");
    await settle(rt);
    expect(reason!).toBe("bye");
    expect(logs.map((l) => l.message.split("\n")[0])).toEqual([
      `process ${p} crashed in terminate: Error: terminate failed`,
    ]);
  });

  test("an async terminate: the process handles nothing more and exits when it settles", async () => {
    const { rt } = quietRuntime();
    const g = gate();
    const handled: unknown[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (m, s) => {
        handled.push(m);
        return m === "stop" ? stop("normal") : s;
      },
      terminate: () => g.promise,
    });
    send(p, "stop");
    await settle(rt);
    send(p, "after");
    await settle(rt);
    expect(rt.isAlive(p)).toBe(true);
    g.open();
    await settle(rt);
    expect(rt.isAlive(p)).toBe(false);
    expect(handled).toEqual(["stop"]);
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
