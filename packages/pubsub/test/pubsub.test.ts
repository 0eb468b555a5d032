import diagnosticsChannel from "node:diagnostics_channel";
import { createRuntime, type Pid, receive, self } from "@cinder/actors";
import { type Adapter, type AdapterHost, BroadcastError, type Entry, PubSub } from "@cinder/pubsub";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { recorder } from "./support/recorder.js";

const started: PubSub[] = [];
afterEach(async () => {
  for (const ps of started.splice(0)) await ps.stop();
});

async function setup(
  opts: { adapter?: Adapter; dispatcher?: Parameters<typeof PubSub.start>[0]["dispatcher"] } = {},
) {
  const rt = createRuntime({ node: "n1" });
  const logs: string[] = [];
  const ps = await PubSub.start({
    name: "test",
    runtime: rt,
    logger: (l, m) => logs.push(`${l}: ${m}`),
    ...opts,
  });
  started.push(ps);
  return { rt, ps, logs };
}

/** An adapter whose remote side can be switched off, to see what a broadcast does when it fails. */
class FlakyAdapter implements Adapter {
  readonly kind = "flaky";
  up = true;
  sent: unknown[] = [];
  start(_host: AdapterHost): void {}
  broadcast(_topic: string, message: unknown): Promise<unknown> {
    if (!this.up) return Promise.reject(new Error("connection refused"));
    this.sent.push(message);
    return Promise.resolve();
  }
  directBroadcast(_node: string, topic: string, message: unknown): Promise<unknown> {
    return this.broadcast(topic, message);
  }
  stop(): void {}
}

describe("PubSub API", () => {
  it("topics are non-empty strings: anything else is a TypeError saying so, for every function", async () => {
    const { ps, rt } = await setup();
    const pid = recorder(rt).pid;
    await fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(""),
          fc.integer(),
          fc.constant(null),
          fc.constant(undefined),
          fc.object(),
          fc.boolean(),
        ),
        (bad) => {
          const t = bad as string;
          const calls = [
            () => ps.subscribe(pid, t),
            () => ps.unsubscribe(pid, t),
            () => ps.broadcast(t, 1),
            () => ps.broadcastFrom(pid, t, 1),
            () => ps.localBroadcast(t, 1),
            () => ps.localBroadcastFrom(pid, t, 1),
            () => ps.directBroadcast("n2", t, 1),
            () => ps.subscribers(t),
          ];
          for (const call of calls) expect(call).toThrow(/a topic must be a non-empty string, got/);
          for (const call of calls) expect(call).toThrow(TypeError);
        },
      ),
    );
  });

  it("subscribe(topic) subscribes the calling process; outside a process it says to pass a pid", async () => {
    const { ps, rt } = await setup();
    const got: unknown[] = [];
    const pid = rt.spawn({
      init: () => {
        ps.subscribe("news", { metadata: "m" });
        return null;
      },
      handleInfo: (m: unknown, s: null) => {
        got.push(m);
        return s;
      },
    });
    expect(ps.subscribers("news")).toEqual([{ pid, metadata: "m" }]);
    ps.localBroadcast("news", "hello");
    await rt.drain();
    expect(got).toEqual(["hello"]);
    expect(() => ps.subscribe("news")).toThrow(/pass a pid: subscribe\(pid, topic\)/);
    expect(() => ps.unsubscribe("news")).toThrow(/pass a pid: unsubscribe\(pid, topic\)/);
  });

  it("the seed pattern: subscribe on start, broadcastFrom(self()) skips the sender, the others get it in handleInfo", async () => {
    const { ps, rt } = await setup();
    const seen: string[] = [];
    const view = {
      init: (name: string) => {
        ps.subscribe("deployments");
        return name;
      },
      handleInfo: (msg: { event: string; from: string } | "deploy", name: string) => {
        if (msg === "deploy") void ps.broadcastFrom(self(), "deployments", { event: "started", from: name });
        else seen.push(`${name} saw ${msg.from} ${msg.event}`);
        return name;
      },
    };
    const a = rt.spawn(view, "a");
    rt.spawn(view, "b");
    rt.spawn(view, "c");
    rt.send(a, "deploy");
    await rt.drain();
    expect(seen.sort()).toEqual(["b saw a started", "c saw a started"]);
  });

  it("a function process can receive what it subscribed to", async () => {
    const { ps, rt } = await setup();
    const got = new Promise((resolve) => {
      rt.spawn(async () => {
        ps.subscribe("t");
        resolve(await receive());
      });
    });
    ps.localBroadcast("t", 42);
    expect(await got).toBe(42);
  });

  it("subscribing a dead pid is ignored; broadcastFrom needs a pid", async () => {
    const { ps, rt } = await setup();
    const r = recorder(rt);
    rt.exit(r.pid, "kill");
    ps.subscribe(r.pid, "t");
    expect(ps.stats()).toMatchObject({ topics: 0, subscriptions: 0, processes: 0 });
    expect(() => ps.broadcastFrom("me" as unknown as Pid, "t", 1)).toThrow(/from must be a Pid/);
    expect(() => ps.subscribe(r.pid, "t", 5 as never)).toThrow(/options must be an object/);
  });

  it("start validates its options", async () => {
    await expect(PubSub.start({} as never)).rejects.toThrow(/name must be a non-empty string/);
    await expect(PubSub.start({ name: "x", node: "" })).rejects.toThrow(/node must be a non-empty string/);
    await expect(PubSub.start({ name: "x", dispatcher: 1 as never })).rejects.toThrow(
      /dispatcher must be a function/,
    );
    await expect(PubSub.start({ name: "x", adapter: {} as never })).rejects.toThrow(
      /adapter must be an adapter/,
    );
    const { ps } = await setup();
    expect(ps.nodeName()).toBe("n1");
    expect(ps.name).toBe("test");
  });

  it("after stop every call throws, subscriptions are gone, and stop again is fine", async () => {
    const { ps, rt } = await setup();
    const r = recorder(rt);
    ps.subscribe(r.pid, "t");
    await ps.stop();
    await ps.stop();
    expect(() => ps.localBroadcast("t", 1)).toThrow(/pubsub "test" is stopped/);
    expect(() => ps.subscribe(r.pid, "t")).toThrow(/is stopped/);
    expect(ps.stats()).toMatchObject({ topics: 0, subscriptions: 0, processes: 0 });
  });

  it("subscriptions change safely while a dispatch runs (a send that ends a process synchronously)", async () => {
    const { ps, rt } = await setup();
    // A bounded mailbox set to "exit": the second message kills it inside the dispatch loop.
    const fragile = rt.spawn({ init: () => null, handleInfo: (_m: unknown, s: null) => s }, undefined, {
      mailbox: { max: 1, onOverflow: "exit" },
    });
    const others = [recorder(rt), recorder(rt), recorder(rt)];
    ps.subscribe(others[0].pid, "t");
    ps.subscribe(fragile, "t");
    ps.subscribe(fragile, "t");
    ps.subscribe(others[1].pid, "t");
    ps.subscribe(others[2].pid, "t");
    ps.localBroadcast("t", "x");
    await rt.drain();
    for (const o of others) expect(o.got).toEqual(["x"]);
    expect(ps.subscribers("t")).toHaveLength(3);
  });

  it("a custom dispatcher replaces delivery; it gets every entry with metadata and the from pid", async () => {
    const calls: { entries: Entry[]; from: Pid | null; msg: unknown }[] = [];
    const { ps, rt } = await setup({
      dispatcher: (entries, from, msg) =>
        calls.push({ entries: entries.map((e) => ({ pid: e.pid, metadata: e.metadata })), from, msg }),
    });
    const a = recorder(rt);
    const b = recorder(rt);
    ps.subscribe(a.pid, "t", { metadata: { fastlane: 1 } });
    ps.subscribe(b.pid, "t");
    ps.localBroadcastFrom(a.pid, "t", "m");
    ps.localBroadcast("empty-topic", "m"); // no subscriptions: no call
    await rt.drain();
    expect(calls).toEqual([
      {
        entries: [
          { pid: a.pid, metadata: { fastlane: 1 } },
          { pid: b.pid, metadata: undefined },
        ],
        from: a.pid,
        msg: "m",
      },
    ]);
    expect(a.got).toEqual([]); // the dispatcher sent nothing
  });
});

describe("L19 (Cinder's deviation): a failed remote broadcast still reaches local subscribers, and says so", () => {
  it("returns { ok: false }, delivers locally, counts every failure, logs once per outage, and logs the recovery", async () => {
    const adapter = new FlakyAdapter();
    const { ps, rt, logs } = await setup({ adapter });
    const events: unknown[] = [];
    const onFailure = (e: unknown) => events.push(e);
    diagnosticsChannel.subscribe("cinder:pubsub:remote_failure", onFailure);
    try {
      const r = recorder(rt);
      ps.subscribe(r.pid, "t");
      expect(await ps.broadcast("t", 1)).toEqual({ ok: true });
      adapter.up = false;
      for (let i = 2; i <= 4; i++) {
        const res = await ps.broadcast("t", i);
        expect(res.ok).toBe(false);
        if (!res.ok) expect(res.error.message).toBe("connection refused");
      }
      expect((await ps.directBroadcast("n2", "t", 5)).ok).toBe(false);
      await rt.drain();
      expect(r.got).toEqual([1, 2, 3, 4]);
      expect(ps.stats().remoteFailures).toBe(4);
      expect(events).toHaveLength(4);
      expect(events[0]).toMatchObject({ pubsub: "test", node: "n1", topic: "t" });
      expect(logs.filter((l) => l.startsWith("warn"))).toHaveLength(1);
      expect(logs[0]).toMatch(
        /could not reach the other nodes \(connection refused\); local subscribers still get/,
      );
      adapter.up = true;
      expect(await ps.broadcast("t", 6)).toEqual({ ok: true });
      expect(logs[1]).toMatch(/reach the other nodes again \(4 failed meanwhile\)/);
      // A second outage is logged again, once.
      adapter.up = false;
      await ps.broadcast("t", 7);
      await ps.broadcast("t", 8);
      expect(logs.filter((l) => l.startsWith("warn"))).toHaveLength(2);
      expect(ps.stats().remoteFailures).toBe(6);
    } finally {
      diagnosticsChannel.unsubscribe("cinder:pubsub:remote_failure", onFailure);
    }
  });

  it("the OrThrow variants reject with a BroadcastError after local delivery, and resolve when it works", async () => {
    const adapter = new FlakyAdapter();
    const { ps, rt } = await setup({ adapter });
    const r = recorder(rt);
    const me = recorder(rt);
    ps.subscribe(r.pid, "t");
    ps.subscribe(me.pid, "t");
    await expect(ps.broadcastOrThrow("t", "ok")).resolves.toBeUndefined();
    adapter.up = false;
    await expect(ps.broadcastOrThrow("t", "a")).rejects.toThrow(BroadcastError);
    await expect(ps.broadcastFromOrThrow(me.pid, "t", "b")).rejects.toThrow(
      /broadcastFromOrThrow: t: the other nodes could not be reached: connection refused/,
    );
    await expect(ps.directBroadcastOrThrow("n2", "t", "c")).rejects.toThrow(BroadcastError);
    await rt.drain();
    expect(r.got).toEqual(["ok", "a", "b"]);
    expect(me.got).toEqual(["ok", "a"]);
    // Programming errors still throw synchronously, before anything is sent.
    expect(() => ps.broadcastOrThrow("", 1)).toThrow(TypeError);
  });
});

describe("pids across runtimes", () => {
  it("broadcastFrom never skips a process of another runtime that merely has the same node name and number", async () => {
    const { Pid: P, createRuntime: mk } = await import("@cinder/actors");
    const rt = mk({ node: "local" });
    const ps = await PubSub.start({ name: `creation-${Math.random()}`, runtime: rt });
    const got: unknown[] = [];
    const sub = rt.spawn({
      init: () => 0,
      handleInfo: (m: unknown, s: number) => {
        got.push(m);
        return s;
      },
    });
    ps.subscribe(sub, "t");
    // What a broadcastFrom on another Node process looks like once decoded: same node name and number.
    const lookalike = new P(sub.node, sub.id, null, sub.creation + 1);
    expect(lookalike.equals(sub)).toBe(false);
    await ps.broadcastFrom(lookalike, "t", "hello");
    await ps.broadcastFrom(new P(sub.node, sub.id, null, sub.creation), "t", "skipped");
    await rt.drain();
    expect(got).toEqual(["hello"]);
    await ps.stop();
  });
});
