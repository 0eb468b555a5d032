import {
  Down,
  demonitor,
  Exit,
  type ExitReason,
  exit,
  link,
  monitor,
  type Pid,
  Ref,
  receive,
  self,
  send,
  stop,
  trapExit,
  unlink,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { inProcess, quietRuntime, settle } from "./support/helpers.js";

/** A process that records its messages and its exit reason. */
function watched(rt: ReturnType<typeof quietRuntime>["rt"], opts: { trapExit?: boolean } = {}) {
  const got: unknown[] = [];
  const out: { pid: Pid; got: unknown[]; reason?: ExitReason } = { pid: null as never, got };
  out.pid = rt.spawn(
    {
      init: () => null,
      handleInfo: (m, s) => {
        got.push(m);
        return s;
      },
    },
    undefined,
    opts,
  );
  rt.watch(out.pid, (r) => {
    out.reason = r;
  });
  return out;
}

describe("exit", () => {
  test('"kill" cannot be trapped: the process dies with "killed"', () => {
    const { rt } = quietRuntime();
    const a = watched(rt, { trapExit: true });
    exit(a.pid, "kill");
    expect(a.reason).toBe("killed");
    expect(a.got).toEqual([]);
  });

  test('"normal" from another process or from outside is ignored by a process that does not trap', async () => {
    const { rt } = quietRuntime();
    const a = watched(rt);
    exit(a.pid, "normal");
    await inProcess(rt, () => exit(a.pid, "normal"));
    expect(rt.isAlive(a.pid)).toBe(true);
  });

  test('"normal" sent to oneself ends the process', async () => {
    const { rt } = quietRuntime();
    let reason: ExitReason;
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        exit(self(), "normal");
        return s;
      },
    });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, "go");
    await settle(rt);
    expect(reason!).toBe("normal");
  });

  test("any other reason kills a process that does not trap, with that reason", () => {
    const { rt } = quietRuntime();
    const a = watched(rt);
    const reason = { why: "custom" };
    exit(a.pid, reason);
    expect(a.reason).toBe(reason);
  });

  test("a trapping process gets EXIT messages: from null outside processes, from the sender inside one", async () => {
    const { rt } = quietRuntime();
    const a = watched(rt, { trapExit: true });
    exit(a.pid, "shutdown");
    exit(a.pid, "normal");
    const sender = await inProcess(rt, () => {
      exit(a.pid, "boom");
      return self();
    });
    await settle(rt);
    expect(a.got).toEqual([new Exit(null, "shutdown"), new Exit(null, "normal"), new Exit(sender, "boom")]);
    expect(a.got[0]).toMatchObject({ type: "EXIT", from: null, reason: "shutdown" });
  });

  test("exit to a dead pid does nothing; a non-pid is a TypeError", () => {
    const { rt } = quietRuntime();
    const a = watched(rt);
    exit(a.pid, "kill");
    expect(() => exit(a.pid, "kill")).not.toThrow();
    expect(() => exit("p" as never, "kill")).toThrow('exit: expected a Pid, got the string "p"');
  });
});

describe("trapExit", () => {
  test("sets the flag of the calling process and returns the previous one", async () => {
    const { rt } = quietRuntime();
    const got = await inProcess(rt, async () => {
      const flags = [trapExit(true), trapExit(true), trapExit(false), trapExit(true)];
      exit(self(), "boom"); // trapped: a message
      return { flags, m: await receive(), me: self() };
    });
    expect(got.flags).toEqual([false, true, true, false]);
    expect(got.m).toEqual(new Exit(got.me, "boom"));
  });

  test("outside any process it throws", () => {
    expect(() => trapExit(true)).toThrow(/^trapExit\(\): called outside any process/);
  });
});

describe("link and unlink", () => {
  test("a link carries an abnormal exit both ways; repeated links make one link", async () => {
    const { rt } = quietRuntime();
    const a = watched(rt, { trapExit: true });
    const b = watched(rt, { trapExit: true });
    const linker = (target: Pid) =>
      rt.spawn({
        init: () => {
          link(target);
          link(target);
          return null;
        },
      });
    const c = linker(a.pid);
    const d = linker(b.pid);
    exit(c, "boom");
    exit(d, "kill");
    await settle(rt);
    expect(a.got).toEqual([new Exit(c, "boom")]);
    expect(b.got).toEqual([new Exit(d, "killed")]); // the link passes on "killed", the reason d died with
  });

  test('a process that exits with reason "kill" passes "kill" on through links, which may be trapped', async () => {
    const { rt } = quietRuntime();
    const trapping = watched(rt, { trapExit: true });
    const plain = watched(rt);
    const p = rt.spawn({
      init: () => {
        link(trapping.pid);
        link(plain.pid);
        return null;
      },
      handleInfo: () => stop("kill"),
    });
    send(p, "go");
    await settle(rt);
    expect(trapping.got).toEqual([new Exit(p, "kill")]);
    expect(plain.reason).toBe("kill");
  });

  test('a "normal" exit through a link: ignored unless trapped', async () => {
    const { rt } = quietRuntime();
    const trapping = watched(rt, { trapExit: true });
    const plain = watched(rt);
    const p = rt.spawn(async () => {
      link(trapping.pid);
      link(plain.pid);
    });
    await settle(rt);
    expect(rt.isAlive(p)).toBe(false);
    expect(trapping.got).toEqual([new Exit(p, "normal")]);
    expect(rt.isAlive(plain.pid)).toBe(true);
  });

  test("after unlink, from either side, an exit does not travel", async () => {
    const { rt } = quietRuntime();
    const a = watched(rt);
    const b = watched(rt);
    // c links to a and b, then unlinks a: the side that made the link undoes it.
    const c = rt.spawn({
      init: () => {
        link(a.pid);
        link(b.pid);
        unlink(a.pid);
        return null;
      },
    });
    // g links to f; f undoes it from its side.
    let g!: Pid;
    const f = rt.spawn(async () => {
      await receive();
      unlink(g);
      await receive();
    });
    g = rt.spawn({
      init: () => {
        link(f);
        return null;
      },
    });
    send(f, "unlink now");
    await settle(rt);
    exit(c, "boom");
    exit(g, "boom");
    expect(rt.isAlive(a.pid)).toBe(true);
    expect(b.reason).toBe("boom");
    expect(rt.isAlive(f)).toBe(true);
  });

  test('linking to a dead pid sends the caller an exit with "noproc"', async () => {
    const { rt } = quietRuntime();
    const dead = rt.spawn({ init: () => null });
    exit(dead, "kill");
    const m = await inProcess(
      rt,
      async () => {
        link(dead);
        return receive();
      },
      { trapExit: true },
    );
    expect(m).toEqual(new Exit(dead, "noproc"));
    let reason: ExitReason;
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        link(dead);
        return s;
      },
    });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, "go");
    await settle(rt);
    expect(reason!).toBe("noproc");
  });

  test("linking to oneself does nothing; bad arguments and calls from outside are errors", async () => {
    const { rt } = quietRuntime();
    const alive = await inProcess(rt, () => {
      link(self());
      unlink(self());
      return true;
    });
    expect(alive).toBe(true);
    const p = rt.spawn({ init: () => null });
    expect(() => link(p)).toThrow(/^link\(\): called outside any process/);
    expect(() => unlink(p)).toThrow(/^unlink\(\): called outside any process/);
    await expect(inProcess(rt, () => link(1 as never))).rejects.toThrow(TypeError);
    await expect(inProcess(rt, () => unlink({} as never))).rejects.toThrow(
      "unlink: expected a Pid, got an object (Object)",
    );
  });

  test("an exit from the parent stops a trapping behaviour through terminate; from another link it is a message", async () => {
    const { rt } = quietRuntime();
    const events: string[] = [];
    let child!: Pid;
    const parent = rt.spawn(async () => {
      child = rt.spawn(
        {
          init: () => null,
          handleInfo: (m: Exit, s) => {
            events.push(`info ${m.reason}`);
            return s;
          },
          terminate: (r) => {
            events.push(`terminate ${r}`);
          },
        },
        undefined,
        { link: true, trapExit: true },
      );
      await receive();
    });
    const other = rt.spawn({
      init: () => {
        link(child);
        return null;
      },
    });
    exit(other, "boom");
    await settle(rt);
    exit(parent, "shutdown");
    await settle(rt);
    expect(events).toEqual(["info boom", "terminate shutdown"]);
    expect(rt.isAlive(child)).toBe(false);
  });
});

describe("monitor and demonitor", () => {
  test("one DOWN per monitor, with the reason; monitors are independent and one-way", async () => {
    const { rt } = quietRuntime();
    const target = watched(rt);
    const got = await inProcess(rt, async () => {
      const r1 = monitor(target.pid);
      const r2 = monitor(target.pid);
      exit(target.pid, "boom");
      const downs = [await receive(), await receive()];
      return { r1, r2, downs };
    });
    expect(got.r1).toBeInstanceOf(Ref);
    expect(got.r1).not.toBe(got.r2);
    expect(got.downs).toEqual([new Down(got.r1, target.pid, "boom"), new Down(got.r2, target.pid, "boom")]);
    expect(got.downs[0]).toMatchObject({ type: "DOWN", ref: got.r1, pid: target.pid, reason: "boom" });
  });

  test("the watcher's own exit tells the target nothing (monitors are not links)", async () => {
    const { rt } = quietRuntime();
    const target = watched(rt);
    await inProcess(rt, () => {
      monitor(target.pid);
      throw new Error("watcher crashes");
    }).catch(() => {});
    await settle(rt);
    expect(rt.isAlive(target.pid)).toBe(true);
    expect(target.got).toEqual([]);
  });

  test('monitoring a dead pid gives a DOWN with "noproc" at once', async () => {
    const { rt } = quietRuntime();
    const dead = rt.spawn({ init: () => null });
    exit(dead, "kill");
    const got = await inProcess(rt, async () => {
      const ref = monitor(dead);
      return { ref, m: await receive() };
    });
    expect(got.m).toEqual(new Down(got.ref, dead, "noproc"));
  });

  test("demonitor before the exit: no DOWN; with flush after it: the queued DOWN is removed; without flush: it stays", async () => {
    const { rt } = quietRuntime();
    const t1 = watched(rt);
    const t2 = watched(rt);
    const t3 = watched(rt);
    const got = await inProcess(rt, async () => {
      const r1 = monitor(t1.pid);
      const r2 = monitor(t2.pid);
      const r3 = monitor(t3.pid);
      const results = [demonitor(r1)];
      for (const t of [t1, t2, t3]) exit(t.pid, "boom"); // DOWNs for r2 and r3 are now queued
      results.push(demonitor(r2, { flush: true }), demonitor(r3), demonitor(r3, { flush: false }));
      send(self(), "end");
      const seen: unknown[] = [];
      for (let m = await receive(); m !== "end"; m = await receive()) seen.push(m);
      return { results, seen, r3 };
    });
    expect(got.results).toEqual([true, true, true, true]);
    expect(got.seen).toEqual([new Down(got.r3, t3.pid, "boom")]);
  });

  test("outside a process, or with a bad argument: errors", async () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({ init: () => null });
    expect(() => monitor(p)).toThrow(/^monitor\(\): called outside any process/);
    expect(() => demonitor(new Ref())).toThrow(/^demonitor\(\): called outside any process/);
    expect(() => demonitor("ref" as never)).toThrow(TypeError);
    await expect(inProcess(rt, () => monitor(null as never))).rejects.toThrow(
      "monitor: expected a Pid, got null",
    );
  });

  test("a behaviour gets DOWN and EXIT messages in handleInfo", async () => {
    const { rt } = quietRuntime();
    const target = rt.spawn({ init: () => null });
    const linked = rt.spawn({ init: () => null });
    const got: unknown[] = [];
    let ref!: Ref;
    const w = rt.spawn(
      {
        init: () => {
          ref = monitor(target);
          link(linked);
          return null;
        },
        handleInfo: (m, s) => {
          got.push(m);
          return s;
        },
      },
      undefined,
      { trapExit: true },
    );
    exit(target, "t-down");
    exit(linked, "l-down");
    await settle(rt);
    expect(rt.isAlive(w)).toBe(true);
    expect(got).toEqual([new Down(ref, target, "t-down"), new Exit(linked, "l-down")]);
  });
});
