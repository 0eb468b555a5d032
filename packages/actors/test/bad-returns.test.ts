import { CallError, createRuntime, exit, noreply, type Pid, self, spawn } from "@cinder/actors";
import { describe, expect, test } from "vitest";

function collecting() {
  const lines: string[] = [];
  return { lines, rt: createRuntime({ node: "t", logger: (level, msg) => lines.push(`${level} ${msg}`) }) };
}

describe("handler results and orphans", () => {
  test("a handleCall that returns a plain state crashes its process (gen_server's bad_return_value), the caller gets the exit", async () => {
    const { rt, lines } = collecting();
    const server = rt.spawn({
      init: () => 0,
      handleCall: (_r: unknown, _f: unknown, s: number) => s as never,
    });
    const err = (await rt.call(server, "x").catch((e) => e)) as CallError;
    expect(err).toBeInstanceOf(CallError);
    expect(err.kind).toBe("exit");
    expect(String((err.reason as { error: Error }).error.message)).toMatch(/handleCall must return reply/);
    expect(rt.isAlive(server)).toBe(false);
    expect(lines.filter((l) => l.startsWith("error")).length).toBe(1);
  });

  test("a message to a behaviour without handleInfo is dropped with a warning", async () => {
    const { rt, lines } = collecting();
    const p = rt.spawn({ init: () => 0 });
    rt.send(p, { hello: 1 });
    await rt.drain();
    expect(rt.isAlive(p)).toBe(true);
    expect(lines.some((l) => l.startsWith("warn") && l.includes("no handleInfo"))).toBe(true);
  });

  test("a call from outside times out on the target runtime's clock", async () => {
    let armed = 0;
    const rt = createRuntime({
      node: "t",
      clock: {
        now: () => 0,
        setTimeout: (fn, ms) => {
          armed++;
          return setTimeout(fn, ms);
        },
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    });
    const server = rt.spawn({
      init: () => 0,
      handleCall: (_r: unknown, _f: unknown, s: number) => noreply(s),
    });
    const err = (await rt.call(server, "x", 5).catch((e) => e)) as CallError;
    expect(err.kind).toBe("timeout");
    expect(armed).toBeGreaterThan(0);
  });

  test("a child spawned with link by a process that was killed mid-handler gets the noproc exit it missed", async () => {
    const rt = createRuntime({ node: "t", logger: () => {} });
    let child: Pid | undefined;
    const parent = rt.spawn({
      init: () => 0,
      handleInfo: (_m: unknown, s: number) => {
        exit(self(), "kill");
        child = spawn({ init: () => 0 }, undefined, { link: true });
        return s;
      },
    });
    rt.send(parent, "go");
    await rt.drain();
    expect(child).toBeDefined();
    expect(rt.isAlive(parent)).toBe(false);
    expect(rt.isAlive(child!)).toBe(false);
  });
});
