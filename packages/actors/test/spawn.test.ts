import {
  createRuntime,
  Exit,
  type ExitReason,
  isAlive,
  type Pid,
  Ref,
  Runtime,
  receive,
  runtime,
  self,
  send,
  spawn,
  stop,
  whereis,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { gate, inProcess, quietRuntime, settle } from "./support/helpers.js";

describe("createRuntime and pids", () => {
  test("an isolated runtime names its node in every pid", () => {
    const rt = createRuntime({ node: "n1" });
    expect(rt).toBeInstanceOf(Runtime);
    const p = rt.spawn({ init: () => null });
    expect(p.node).toBe("n1");
    expect(String(p)).toBe(`<n1.${p.id}>`);
    expect(JSON.stringify({ p })).toBe(`{"p":"<n1.${p.id}>"}`);
    expect(createRuntime().spawn({ init: () => null }).node).toBe("local");
  });

  test("createRuntime rejects an empty or non-string node name", () => {
    expect(() => createRuntime({ node: "" })).toThrow(TypeError);
    expect(() => createRuntime({ node: 7 as unknown as string })).toThrow(/node must be a non-empty string/);
  });

  test("pids are comparable with equals and stay valid after the process exits", () => {
    const { rt } = quietRuntime();
    const a = rt.spawn({ init: () => null });
    const b = rt.spawn({ init: () => null });
    expect(a.equals(a)).toBe(true);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(String(a))).toBe(false);
    rt.exit(a, "kill");
    expect(a.equals(a)).toBe(true);
    expect(String(a)).toMatch(/^<local\.\d+>$/);
    expect(isAlive(a)).toBe(false);
  });

  test("refs are unique", () => {
    const r1 = new Ref();
    const r2 = new Ref();
    expect(r1).not.toBe(r2);
    expect(String(r1)).not.toBe(String(r2));
  });

  test("the free functions outside any process use one default runtime", () => {
    expect(runtime()).toBe(runtime());
    const p = spawn({ init: () => null });
    expect(p._p?.rt).toBe(runtime());
  });
});

describe("spawn", () => {
  test("a behaviour: a sync init runs before spawn returns, in the new process", () => {
    const { rt } = quietRuntime();
    let me: Pid | null = null;
    const p = rt.spawn({
      init: (n: number) => {
        me = self();
        return n * 2;
      },
    });
    expect(me).toBe(p);
    expect(rt.isAlive(p)).toBe(true);
  });

  test("a behaviour's handlers get the state init built, one message at a time", async () => {
    const { rt } = quietRuntime();
    const seen: [string, number][] = [];
    const p = rt.spawn(
      {
        init: (n: number) => n,
        handleInfo: (m: string, n: number) => {
          seen.push([m, n]);
          return n + 1;
        },
      },
      10,
    );
    send(p, "a");
    send(p, "b");
    await settle(rt);
    expect(seen).toEqual([
      ["a", 10],
      ["b", 11],
    ]);
  });

  test("a function process runs up to its first await inside spawn, then receives", async () => {
    const { rt } = quietRuntime();
    const steps: string[] = [];
    const p = rt.spawn(async (x: string) => {
      steps.push(`start ${x}`);
      steps.push(`got ${await receive()}`);
    }, "arg");
    expect(steps).toEqual(["start arg"]);
    send(p, "hello");
    await settle(rt);
    expect(steps).toEqual(["start arg", "got hello"]);
    expect(rt.isAlive(p)).toBe(false); // returning ends it, with reason "normal"
  });

  test("a non-async function also makes a function process", async () => {
    const { rt } = quietRuntime();
    let ran = false;
    const p = rt.spawn(() => {
      ran = true;
    });
    expect(ran).toBe(true);
    await settle(rt);
    expect(rt.isAlive(p)).toBe(false);
  });

  test.each([
    [undefined, "got undefined"],
    [null, "got null"],
    [42, "got number 42"],
    ["worker", 'got the string "worker"'],
    [{ handleInfo: () => 0 }, "got an object (Object)"],
    [{ init: 1 }, "got an object (Object)"],
  ])("a bad target (%o) is a TypeError that says what was expected and what it got", (target, got) => {
    const { rt } = quietRuntime();
    let err: unknown;
    try {
      rt.spawn(target as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain(
      "spawn: expected a behaviour ({ init, handleInfo?, ... }) or an async function",
    );
    expect((err as Error).message.endsWith(got)).toBe(true);
    expect(rt.stats().processes).toBe(0);
  });

  test("bad options are TypeErrors and create no process", () => {
    const { rt } = quietRuntime();
    const beh = { init: () => null };
    expect(() => rt.spawn(beh, undefined, null as never)).toThrow(/options must be an object/);
    expect(() => rt.spawn(beh, undefined, { name: "" })).toThrow(TypeError);
    expect(() => rt.spawn(beh, undefined, { name: 3 as never })).toThrow(/a name must be a non-empty string/);
    expect(() => rt.spawn(beh, undefined, { mailbox: { max: 0 } })).toThrow(
      /mailbox.max must be an integer >= 1/,
    );
    expect(() => rt.spawn(beh, undefined, { mailbox: { max: 2, onOverflow: "block" as never } })).toThrow(
      TypeError,
    );
    expect(rt.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
  });

  test("{ name } registers the new process; a taken name throws and spawns nothing", () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({ init: () => null }, undefined, { name: "svc" });
    expect(rt.whereis("svc")).toBe(p);
    expect(() => rt.spawn({ init: () => null }, undefined, { name: "svc" })).toThrow(
      'spawn: the name "svc" is already registered',
    );
    expect(rt.stats().processes).toBe(1);
    expect(whereis("svc")).toBeUndefined(); // the default runtime has its own registry
  });

  test("{ trapExit } turns exit signals into EXIT messages", async () => {
    const { rt } = quietRuntime();
    const got: unknown[] = [];
    const p = rt.spawn(
      {
        init: () => null,
        handleInfo: (m, s) => {
          got.push(m);
          return s;
        },
      },
      undefined,
      { trapExit: true },
    );
    rt.exit(p, "boom");
    await settle(rt);
    expect(rt.isAlive(p)).toBe(true);
    expect(got).toEqual([new Exit(null, "boom")]);
  });

  test("{ link: true } outside any process is a TypeError", () => {
    const { rt } = quietRuntime();
    expect(() => rt.spawn({ init: () => null }, undefined, { link: true })).toThrow(TypeError);
    expect(() => rt.spawn({ init: () => null }, undefined, { link: true })).toThrow(
      /needs a calling process/,
    );
    expect(rt.stats().processes).toBe(0);
  });

  test("{ link: true } links the child to the caller", async () => {
    const { rt } = quietRuntime();
    let child!: Pid;
    const parent = rt.spawn(async () => {
      child = rt.spawn({ init: () => null }, undefined, { link: true });
      await receive();
    });
    rt.exit(child, "boom");
    expect(rt.isAlive(parent)).toBe(false);
  });

  test("init throwing with { link: true }: the exit reaches a trapping parent as an EXIT with { error }", async () => {
    const { rt, logs } = quietRuntime();
    const error = new Error("bad init");
    const got = await inProcess(
      rt,
      async () => {
        const child = rt.spawn(
          {
            init: () => {
              throw error;
            },
          },
          undefined,
          { link: true },
        );
        expect(rt.isAlive(child)).toBe(false);
        const m = await receive();
        return { m, child };
      },
      { trapExit: true },
    );
    expect(got.m).toEqual(new Exit(got.child, { error }));
    expect(logs.filter((l) => l.level === "error")).toHaveLength(1);
  });

  test("init throwing with { link: true }: a parent that does not trap dies with the same reason", async () => {
    const { rt } = quietRuntime();
    const error = new Error("bad init");
    let reason: ExitReason;
    const parent = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        rt.spawn(
          {
            init: () => {
              throw error;
            },
          },
          undefined,
          { link: true },
        );
        return s;
      },
    });
    rt.watch(parent, (r) => {
      reason = r;
    });
    send(parent, "go");
    await settle(rt);
    expect(rt.isAlive(parent)).toBe(false);
    expect(reason!).toEqual({ error });
  });

  test("init returning stop(reason) ends the process with that reason, without terminate", async () => {
    const { rt } = quietRuntime();
    let terminated = false;
    const got = await inProcess(
      rt,
      async () => {
        const child = rt.spawn(
          {
            init: () => stop("no_config"),
            terminate: () => {
              terminated = true;
            },
          },
          undefined,
          { link: true },
        );
        expect(rt.isAlive(child)).toBe(false);
        return { m: await receive(), child };
      },
      { trapExit: true },
    );
    expect(got.m).toEqual(new Exit(got.child, "no_config"));
    expect(terminated).toBe(false);
  });

  test("an async init: spawn returns at once, messages wait in order until init settles", async () => {
    const { rt } = quietRuntime();
    const g = gate<number>();
    const seen: [string, number][] = [];
    let selfInInit: Pid | null = null;
    const p = rt.spawn({
      init: async () => {
        const n = await g.promise;
        selfInInit = self();
        return n;
      },
      handleInfo: (m: string, n: number) => {
        seen.push([m, n]);
        return n + 1;
      },
    });
    send(p, "a");
    send(p, "b");
    await settle(rt);
    expect(seen).toEqual([]);
    g.open(5);
    await settle(rt);
    expect(selfInInit).toBe(p);
    expect(seen).toEqual([
      ["a", 5],
      ["b", 6],
    ]);
  });

  test("an async init that rejects crashes the process (logged, no terminate) and reaches links", async () => {
    const { rt, logs } = quietRuntime();
    const error = new Error("async init failed");
    let terminated = false;
    const got = await inProcess(
      rt,
      async () => {
        const child = rt.spawn(
          {
            init: async () => {
              await null;
              throw error;
            },
            terminate: () => {
              terminated = true;
            },
          },
          undefined,
          { link: true },
        );
        expect(rt.isAlive(child)).toBe(true);
        return { m: await receive(), child };
      },
      { trapExit: true },
    );
    expect(got.m).toEqual(new Exit(got.child, { error }));
    expect(terminated).toBe(false);
    expect(logs.filter((l) => l.message.includes("async init failed"))).toHaveLength(1);
  });

  test("an async init that returns stop(reason) exits with it", async () => {
    const { rt } = quietRuntime();
    let reason: ExitReason;
    const p = rt.spawn({
      init: async () => {
        await null;
        return stop("ignore");
      },
    });
    rt.watch(p, (r) => {
      reason = r;
    });
    await settle(rt);
    expect(reason!).toBe("ignore");
  });

  test("a function process that throws crashes with { error }; one that returns exits normal", async () => {
    const { rt, logs } = quietRuntime();
    const reasons = new Map<Pid, ExitReason>();
    const error = new Error("fn failed");
    const a = rt.spawn(async () => {
      await null;
      throw error;
    });
    const b = rt.spawn(() => {
      throw error; // synchronously, inside spawn
    });
    const c = rt.spawn(async () => "done");
    for (const p of [a, c]) rt.watch(p, (r) => reasons.set(p, r));
    await settle(rt);
    expect(reasons.get(a)).toEqual({ error });
    expect(reasons.get(c)).toBe("normal");
    expect(rt.isAlive(b)).toBe(false);
    expect(logs.filter((l) => l.level === "error")).toHaveLength(2);
  });
});
