/** A crash ends only its own process and is logged once; terminate runs on stop and on a crash. */
import {
  type Behaviour,
  call,
  Down,
  type ExitReason,
  exit,
  link,
  monitor,
  receive,
  reply,
  send,
  stop,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { gate, inProcess, quietRuntime, settle } from "./support/helpers.js";

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
