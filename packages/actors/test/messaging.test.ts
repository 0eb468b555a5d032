import { cast, type Pid, receive, self, send, stop, TimeoutError } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, gate, inProcess, quietRuntime, settle, until } from "./support/helpers.js";

/** A behaviour that records the messages it gets. */
const recorder = (got: unknown[]) => ({
  init: () => null,
  handleInfo: (m: unknown, s: null) => {
    got.push(m);
    return s;
  },
});

describe("send", () => {
  test("delivers to a pid, or to a registered name of the caller's runtime", async () => {
    const { rt } = quietRuntime();
    const got: unknown[] = [];
    const p = rt.spawn(recorder(got), undefined, { name: "rec" });
    send(p, 1);
    rt.send("rec", 2);
    await inProcess(rt, () => send("rec", 3)); // inside a process: that process's runtime
    await settle(rt);
    expect(got).toEqual([1, 2, 3]);
  });

  test("to a dead pid is a silent no-op, from outside and from inside a process", async () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({ init: () => null });
    rt.exit(p, "kill");
    expect(send(p, "x")).toBeUndefined();
    expect(rt.send(p, "x")).toBeUndefined();
    await inProcess(rt, () => send(p, "x"));
    await settle(rt);
    expect(rt.stats()).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
  });

  test("to a name nobody holds throws an Error naming it (not a TypeError)", async () => {
    const { rt } = quietRuntime();
    expect(() => rt.send("ghost", 1)).toThrow('send: no process is registered as "ghost"');
    let err: unknown;
    try {
      rt.send("ghost", 1);
    } catch (e) {
      err = e;
    }
    expect(err).not.toBeInstanceOf(TypeError);
    // Inside a process the throw reaches the sender (and crashes it, if not caught).
    await expect(inProcess(rt, () => send("ghost", 1))).rejects.toThrow(/ghost/);
  });

  test.each([
    [42, "got number 42"],
    [null, "got null"],
    [undefined, "got undefined"],
    [{ id: 1 }, "got an object (Object)"],
    [function target() {}, "got a function (target)"],
  ])("to something that is neither a pid nor a name (%o) is a TypeError", (dest, got) => {
    const { rt } = quietRuntime();
    for (const f of [() => send(dest as never, 1), () => rt.send(dest as never, 1)]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toBe(`send: expected a Pid or a registered name, ${got}`);
    }
  });
});

describe("self", () => {
  test("inside a sync handler, an async handler (also after await), init and terminate", async () => {
    const { rt } = quietRuntime();
    const seen: [string, Pid][] = [];
    const g = gate();
    const p = rt.spawn({
      init: () => {
        seen.push(["init", self()]);
        return null;
      },
      handleInfo: async (m: string, s) => {
        seen.push(["before await", self()]);
        await g.promise;
        seen.push(["after await", self()]);
        return m === "stop" ? stop("normal") : s;
      },
      handleCast: (_m: unknown, s) => {
        seen.push(["cast", self()]);
        return s;
      },
      terminate: () => {
        seen.push(["terminate", self()]);
      },
    });
    // Another process runs while p waits in its async handler: self() must not get confused.
    const other = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        seen.push(["other", self()]);
        return s;
      },
    });
    send(p, "go");
    await settle(rt);
    send(other, "x");
    await settle(rt);
    g.open();
    await settle(rt);
    cast(p, "c");
    send(p, "stop");
    await settle(rt);
    expect(seen).toEqual([
      ["init", p],
      ["before await", p],
      ["other", other],
      ["after await", p],
      ["cast", p],
      ["before await", p],
      ["after await", p],
      ["terminate", p],
    ]);
  });

  test("in a function process, before and after await", async () => {
    const { rt } = quietRuntime();
    const got = await inProcess(rt, async () => {
      const before = self();
      await new Promise((r) => setImmediate(r));
      return [before, self()];
    });
    expect(got[0]).toBe(got[1]);
  });

  test("outside any process throws a clear error", () => {
    expect(() => self()).toThrow(/^self\(\): called outside any process/);
  });

  test("in a .then callback of a non-async handler it throws (it never returns another process's pid)", async () => {
    const { rt } = quietRuntime();
    const results: unknown[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        Promise.resolve().then(() => {
          try {
            results.push(self());
          } catch (e) {
            results.push(e);
          }
        });
        return s;
      },
    });
    // The message comes from a function process after an await (its async context is live) and wakes the
    // scheduler: p's handler must not run in the sender's context.
    const sender = rt.spawn(async () => {
      await null;
      send(p, "go");
    });
    await settle(rt);
    expect(results).toHaveLength(1);
    expect(results[0]).not.toBe(sender);
    expect(results[0]).toBeInstanceOf(Error);
    expect(String(results[0])).toMatch(/declare the handler async/);
  });

  test("in a .then callback of a sync init spawned from an async process, never the spawner's pid", async () => {
    const { rt } = quietRuntime();
    const results: unknown[] = [];
    let child!: Pid;
    const parent = rt.spawn(async () => {
      await null;
      child = rt.spawn({
        init: () => {
          Promise.resolve().then(() => {
            try {
              results.push(self());
            } catch (e) {
              results.push(e);
            }
          });
          return null;
        },
      });
      await receive();
    });
    await until(() => results.length === 1, "the .then callback");
    expect(results[0]).not.toBe(parent);
    if (!(results[0] instanceof Error)) expect(results[0]).toBe(child);
  });
});

describe("receive", () => {
  test("returns the oldest message without a pattern, the oldest matching one with a pattern", async () => {
    const { rt } = quietRuntime();
    const got = await inProcess(rt, async () => {
      const me = self();
      for (const m of [1, "a", 2, "b", 3]) send(me, m);
      const first = await receive((m) => typeof m === "string");
      const second = await receive((m) => m === 3);
      const rest = [await receive(), await receive(), await receive()];
      return { first, second, rest };
    });
    expect(got).toEqual({ first: "a", second: 3, rest: [1, 2, "b"] });
  });

  test("waits for a matching message, queuing the others in order", async () => {
    const { rt } = quietRuntime();
    const order: unknown[] = [];
    const p = rt.spawn(async () => {
      order.push(await receive((m) => m === "wanted"));
      order.push(await receive(), await receive());
    });
    send(p, "x");
    send(p, "y");
    await settle(rt);
    expect(order).toEqual([]);
    send(p, "wanted");
    await settle(rt);
    expect(order).toEqual(["wanted", "x", "y"]);
  });

  test("a pattern's truthy result accepts a message, whether it was queued or arrives while waiting", async () => {
    const { rt } = quietRuntime();
    const got: unknown[] = [];
    const pattern = (m: { reply?: unknown }) => m.reply as boolean; // e.g. receive((m) => m.reply) with any
    const p = rt.spawn(async () => {
      got.push(await receive(pattern)); // waits: the message arrives later
      send(self(), { reply: "queued" });
      got.push(await receive(pattern)); // already queued
    });
    send(p, { other: 1 });
    send(p, { reply: "arrived" });
    await settle(rt);
    expect(got).toEqual([{ reply: "arrived" }, { reply: "queued" }]);
  });

  test("rejects with a TimeoutError after timeoutMs (on the runtime's clock), and not before", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    let outcome: unknown = "pending";
    rt.spawn(async () => {
      try {
        outcome = await receive(() => false, 100);
      } catch (e) {
        outcome = e;
      }
    });
    await settle(rt);
    clock.advance(99);
    await settle(rt);
    expect(outcome).toBe("pending");
    clock.advance(1);
    await settle(rt);
    expect(outcome).toBeInstanceOf(TimeoutError);
    expect((outcome as Error).name).toBe("TimeoutError");
    expect((outcome as Error).message).toBe("receive: no matching message within 100 ms");
  });

  test("a message in time cancels the timeout; Infinity and 0 are valid timeouts", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const got: unknown[] = [];
    const p = rt.spawn(async () => {
      got.push(await receive(undefined, 50));
      got.push(await receive(undefined, Number.POSITIVE_INFINITY));
      send(self(), "queued");
      got.push(await receive(undefined, 0)); // already there: no wait at all
    });
    await settle(rt);
    expect(clock.pending).toBe(1);
    send(p, "a");
    await settle(rt);
    expect(clock.pending).toBe(0);
    send(p, "b");
    await settle(rt);
    expect(got).toEqual(["a", "b", "queued"]);
  });

  test("only in function processes: a behaviour gets a clear error", async () => {
    const { rt } = quietRuntime();
    let err: unknown;
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        try {
          receive();
        } catch (e) {
          err = e;
        }
        return s;
      },
    });
    send(p, "go");
    await settle(rt);
    expect(String(err)).toMatch(/receive: only function processes receive/);
  });

  test("outside any process, a second concurrent receive, a bad pattern or timeout: errors", async () => {
    const { rt } = quietRuntime();
    expect(() => receive()).toThrow(/^receive\(\): called outside any process/);
    const errors = await inProcess(rt, async () => {
      const out: unknown[] = [];
      const attempt = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          out.push(e);
        }
      };
      const first = receive();
      attempt(() => receive());
      send(self(), "done");
      await first;
      attempt(() => receive(42 as never));
      attempt(() => receive(undefined, -1));
      return out;
    });
    expect(errors.map(String)).toEqual([
      "Error: receive: this process is already waiting in receive",
      "TypeError: receive: match must be a function, got number 42",
      "TypeError: receive: the timeout must be a number >= 0 (or Infinity), got number -1",
    ]);
  });

  test("a pattern that throws fails the receiver, not the sender", async () => {
    const { rt } = quietRuntime();
    let outcome: unknown;
    const p = rt.spawn(async () => {
      try {
        await receive((m) => {
          if (m === "bad") throw new Error("pattern failed");
          return false;
        });
      } catch (e) {
        outcome = e;
      }
    });
    await settle(rt);
    expect(() => send(p, "bad")).not.toThrow();
    await settle(rt);
    expect(String(outcome)).toBe("Error: pattern failed");
  });
});
