import {
  type Behaviour,
  CallError,
  call,
  cast,
  type From,
  noreply,
  type Pid,
  reply,
  replyTo,
  self,
  send,
  stop,
} from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { FakeClock, inProcess, quietRuntime, settle } from "./support/helpers.js";

/** A key-value server: calls read, casts write; "later" answers through replyTo on the next info message. */
type KvState = { map: Map<string, number>; waiting: From[] };
const kv: Behaviour<KvState, "flush", void, [string, string?], unknown, [string, number]> = {
  init: () => ({ map: new Map(), waiting: [] }),
  handleCall: ([op, key], from, st) => {
    if (op === "get") return reply(st.map.get(key!), st);
    if (op === "later") {
      st.waiting.push(from);
      return noreply(st);
    }
    if (op === "from") return reply(from.pid, st);
    if (op === "crash") throw new Error("server crashed");
    if (op === "stop-reply") return stop("normal", st, "bye");
    if (op === "stop") return stop({ custom: "stopped" }, st);
    return reply("unknown", st);
  },
  handleCast: ([k, v], st) => {
    st.map.set(k, v);
    return st;
  },
  handleInfo: (_m, st) => {
    for (const f of st.waiting.splice(0)) replyTo(f, "answered later");
    return st;
  },
};

async function rejection(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CallError);
    return e as CallError;
  }
  throw new Error("the call did not fail");
}

describe("call", () => {
  test("returns the reply of handleCall, from outside and from inside a process; casts run handleCast", async () => {
    const { rt } = quietRuntime();
    const s = rt.spawn(kv, undefined, { name: "kv" });
    expect(cast(s, ["a", 1])).toBeUndefined();
    expect(await call(s, ["get", "a"])).toBe(1);
    const inside = await inProcess(rt, async () => {
      cast("kv", ["b", 2]); // by name, on the caller's runtime
      return [await call("kv", ["get", "b"]), await call(s, ["from"])];
    });
    expect(inside[0]).toBe(2);
    expect(inside[1]).toBeInstanceOf(Object); // the caller's pid
    expect(await call(s, ["from"])).toBeNull(); // from outside: no caller pid
  });

  test("noreply + replyTo answers later", async () => {
    const { rt } = quietRuntime();
    const s = rt.spawn(kv);
    const pending = call(s, ["later"]);
    await settle(rt);
    send(s, "flush");
    expect(await pending).toBe("answered later");
  });

  test("stop with a reply: the caller gets it, then the server is gone", async () => {
    const { rt } = quietRuntime();
    const s = rt.spawn(kv);
    expect(await call(s, ["stop-reply"])).toBe("bye");
    expect(rt.isAlive(s)).toBe(false);
  });

  test("a timeout rejects with kind timeout; the server still handles the request; the late reply is dropped", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const s = rt.spawn(kv);
    const results = inProcess(rt, async () => {
      const first = await call(s, ["later"], 100).catch((e) => e);
      send(s, "flush"); // now the server answers the first call: too late
      const second = await call(s, ["get", "x"], 100);
      return { first, second };
    });
    await settle(rt);
    clock.advance(99);
    await settle(rt);
    clock.advance(1);
    await settle(rt);
    const { first, second } = await results;
    expect(first).toBeInstanceOf(CallError);
    expect(first.kind).toBe("timeout");
    expect(first.message).toMatch(/call: no reply from <local\.\d+> within 100 ms/);
    expect(second).toBeUndefined(); // its own reply, not the late "answered later"
    expect(clock.pending).toBe(0); // no timer left behind
  });

  test("the default timeout is 5000 ms", async () => {
    const clock = new FakeClock();
    const { rt } = quietRuntime({ clock });
    const s = rt.spawn(kv);
    let outcome: unknown = "pending";
    rt.spawn(async () => {
      outcome = await call(s, ["later"]).catch((e) => e);
    });
    await settle(rt);
    clock.advance(4999);
    await settle(rt);
    expect(outcome).toBe("pending");
    clock.advance(1);
    await settle(rt);
    expect((outcome as CallError).kind).toBe("timeout");
  });

  test("a dead pid or a name nobody holds: noproc", async () => {
    const { rt } = quietRuntime();
    const s = rt.spawn(kv);
    rt.exit(s, "kill");
    const e1 = await rejection(call(s, ["get", "a"]));
    expect(e1.kind).toBe("noproc");
    expect(e1.reason).toBe("noproc");
    const e2 = await rejection(call("nobody", ["get", "a"]));
    expect(e2.kind).toBe("noproc");
    expect(e2.message).toBe("call: nobody is not alive");
  });

  test("the server exits before replying: kind exit, with the server's reason", async () => {
    const { rt } = quietRuntime();
    const crashing = rt.spawn(kv);
    const e1 = await rejection(call(crashing, ["crash"]));
    expect(e1.kind).toBe("exit");
    expect(e1.reason).toEqual({ error: new Error("server crashed") });
    expect(e1.message).toMatch(/exited with \{ error: Error: server crashed \}/);

    const stopping = rt.spawn(kv);
    const e2 = await rejection(call(stopping, ["stop"]));
    expect(e2.reason).toEqual({ custom: "stopped" });

    const killed = rt.spawn(kv);
    const pending = call(killed, ["later"]);
    await settle(rt);
    rt.exit(killed, "kill");
    expect((await rejection(pending)).reason).toBe("killed");

    // Requests queued behind the one that stopped the server fail too.
    const s = rt.spawn(kv);
    const a = call(s, ["stop"]);
    const b = call(s, ["get", "x"]);
    expect((await rejection(a)).kind).toBe("exit");
    expect((await rejection(b)).kind).toBe("exit");
  });

  test("a process calling itself: kind calling_self", async () => {
    const { rt } = quietRuntime();
    let err: unknown;
    const p = rt.spawn({
      init: () => null,
      handleInfo: (_m, s) => {
        call(self(), "x").catch((e) => {
          err = e;
        });
        return s;
      },
      handleCall: (_r, _f, s) => reply("never", s),
    });
    send(p, "go");
    await settle(rt);
    expect(err).toBeInstanceOf(CallError);
    expect((err as CallError).kind).toBe("calling_self");
  });

  test("a behaviour without handleCall crashes on a call (the caller sees the exit)", async () => {
    const { rt, logs } = quietRuntime();
    const p = rt.spawn({ init: () => null });
    const e = await rejection(call(p, "x"));
    expect(e.kind).toBe("exit");
    expect(String((e.reason as { error: Error }).error)).toMatch(/handleCall is not defined/);
    expect(logs).toHaveLength(1);
  });

  test("an async handleCall replies when it settles", async () => {
    const { rt } = quietRuntime();
    const p = rt.spawn({
      init: () => 1,
      handleCall: async (r: number, _f: From, n: number) => {
        await new Promise((res) => setImmediate(res));
        return reply(r + n, n);
      },
    });
    expect(await Promise.all([call(p, 1), call(p, 2)])).toEqual([2, 3]);
  });

  test("bad destinations and timeouts are TypeErrors, thrown at once", () => {
    expect(() => call(42 as never, "x")).toThrow("call: expected a Pid or a registered name, got number 42");
    const { rt } = quietRuntime();
    const p = rt.spawn(kv);
    for (const t of [-1, Number.NaN, "10"]) {
      expect(() => call(p, "x", t as never)).toThrow(TypeError);
      expect(() => call(p, "x", t as never)).toThrow(/call: the timeout must be a number >= 0/);
    }
  });
});

describe("cast", () => {
  test("always returns, even to a dead pid or a name nobody holds", async () => {
    const { rt } = quietRuntime();
    const s = rt.spawn(kv);
    rt.exit(s, "kill");
    expect(cast(s, ["a", 1])).toBeUndefined();
    expect(cast("nobody", ["a", 1])).toBeUndefined();
    expect(await inProcess(rt, () => cast("nobody", ["a", 1]))).toBeUndefined();
  });

  test("a bad destination is a TypeError", () => {
    expect(() => cast(7 as never, "x")).toThrow("cast: expected a Pid or a registered name, got number 7");
  });

  test("a behaviour without handleCast crashes on a cast", async () => {
    const { rt, logs } = quietRuntime();
    const p: Pid = rt.spawn({ init: () => null });
    cast(p, "x");
    await settle(rt);
    expect(rt.isAlive(p)).toBe(false);
    expect(logs[0].message).toMatch(/handleCast is not defined/);
  });

  test("calls, casts and plain messages are handled in arrival order", async () => {
    const { rt } = quietRuntime();
    const seen: string[] = [];
    const p = rt.spawn({
      init: () => null,
      handleInfo: (m: string, s) => {
        seen.push(`info ${m}`);
        return s;
      },
      handleCast: (m: string, s) => {
        seen.push(`cast ${m}`);
        return s;
      },
      handleCall: (m: string, _f: From, s) => {
        seen.push(`call ${m}`);
        return reply(m, s);
      },
    });
    send(p, "1");
    cast(p, "2");
    const c = call(p, "3");
    send(p, "4");
    cast(p, "5");
    await c;
    await settle(rt);
    expect(seen).toEqual(["info 1", "cast 2", "call 3", "info 4", "cast 5"]);
  });
});
