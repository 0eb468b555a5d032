/**
 * Processes that reach each other across nodes: several runtimes in this Node process, each with a pubsub
 * with distribution on one LocalCluster (frames copied through the codec, as over a network).
 */

import {
  CallError,
  createRuntime,
  type DownMessage,
  type ExitMessage,
  type Pid,
  type Runtime,
  receive,
  reply,
  stop,
} from "@cinder/actors";
import { CodecError, jsonCodec, LocalCluster, local, Presence, PubSub } from "@cinder/pubsub";
import { afterEach, describe, expect, it } from "vitest";
import { recorder } from "./support/recorder.js";

// A down time far above any stall of a loaded machine: nodes here go down by saying goodbye (stop).
const TIMING = { heartbeatMs: 20, downAfterMs: 10_000 };

interface Node {
  rt: Runtime;
  ps: PubSub;
  logs: string[];
}

const started: PubSub[] = [];
afterEach(async () => {
  for (const ps of started.splice(0)) await ps.stop();
});

async function cluster(names: string[], c = new LocalCluster()): Promise<Node[]> {
  const out: Node[] = [];
  for (const node of names) out.push(await join(node, c));
  await until(() => out.every((n) => n.rt.nodes().length === names.length - 1));
  return out;
}

async function join(node: string, c: LocalCluster): Promise<Node> {
  const logs: string[] = [];
  const rt = createRuntime({ node, logger: (_l, m) => logs.push(m) });
  const ps = await PubSub.start({
    name: "dist",
    runtime: rt,
    adapter: local({ cluster: c }),
    distribution: TIMING,
    logger: (_l, m) => logs.push(m),
  });
  started.push(ps);
  return { rt, ps, logs };
}

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * `pid` as another node holds it: through the codec, as it travels (decoded, with no process attached). A pid
 * object made by a runtime of this Node process would reach its process directly, whatever the node.
 */
function far(pid: Pid): Pid {
  return jsonCodec.decode(jsonCodec.encode(pid)) as Pid;
}

const Echo = {
  init: () => 0,
  handleCall: (req: unknown, _from: unknown, n: number) => reply({ echo: req, n }, n + 1),
  handleCast: (_req: unknown, n: number) => n + 1,
};

/** Runs `fn` inside a process of `rt` and resolves with what it returns. */
function inProcess<T>(rt: Runtime, fn: () => Promise<T> | T): Promise<T> {
  return new Promise((resolve, reject) => {
    rt.spawn(async () => {
      try {
        resolve(await fn());
      } catch (err) {
        reject(err);
      }
    });
  });
}

describe("distribution over a pubsub", () => {
  it("nodes() lists the others once they beat; send delivers in order to a pid of another node", async () => {
    const [a, b] = await cluster(["a", "b"]);
    expect(a.rt.nodes()).toEqual(["b"]);
    expect(b.ps.nodes()).toEqual(["a"]);
    const r = recorder(b.rt);
    const to = far(r.pid);
    for (let i = 0; i < 50; i++) a.rt.send(to, { i, pid: to });
    await until(() => r.got.length === 50);
    expect(r.got.map((m) => (m as { i: number }).i)).toEqual([...Array(50).keys()]);
    // The pid came back from another node: it still names the process (and sending to it is local).
    const back = (r.got[0] as { pid: Pid }).pid;
    expect(back.equals(r.pid)).toBe(true);
    expect(b.rt.isAlive(back)).toBe(true);
  });

  it("a message the codec cannot carry throws before anything is sent", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const r = recorder(b.rt);
    expect(() => a.rt.send(far(r.pid), { f: () => 1 })).toThrow(CodecError);
    a.rt.send(far(r.pid), "after");
    await until(() => r.got.length === 1);
    expect(r.got).toEqual(["after"]);
  });

  it("call and cast reach a behaviour on another node; a reply carries pids back", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const server = far(b.rt.spawn(Echo));
    expect(await a.rt.call(server, { hello: 1 })).toEqual({ echo: { hello: 1 }, n: 0 });
    a.rt.cast(server, "x");
    expect(await inProcess(a.rt, () => a.rt.call(server, "y"))).toEqual({ echo: "y", n: 2 });
  });

  it("a call to a process that is gone rejects with noproc; one whose server exits first, with exit", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const gone = far(b.rt.spawn(Echo));
    b.rt.exit(gone, "kill");
    await until(() => b.rt.stats().processes === 0);
    const e1 = await a.rt.call(gone, "x").catch((e) => e);
    expect(e1).toBeInstanceOf(CallError);
    expect((e1 as CallError).kind).toBe("noproc");
    const slow = b.rt.spawn({
      init: () => null,
      handleCall: (_r: unknown, _f: unknown, _s: null) => {
        throw new Error("boom");
      },
    });
    const e2 = (await a.rt.call(far(slow), "x").catch((e) => e)) as CallError;
    expect(e2.kind).toBe("exit");
    expect(e2.reason).toEqual({ error: { name: "Error", message: "boom" } });
  });

  it("a call times out without a late reply; the caller gets its own reply or the timeout, once", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const server = b.rt.spawn({
      init: () => null,
      handleCall: async (ms: number, _f: unknown, s: null) => {
        await new Promise((r) => setTimeout(r, ms));
        return reply(ms, s);
      },
    });
    const err = (await a.rt.call(far(server), 200, 20).catch((e) => e)) as CallError;
    expect(err.kind).toBe("timeout");
    expect(await a.rt.call(far(server), 1, 10_000)).toBe(1);
  });

  it("monitor: DOWN with the real reason; demonitor across nodes; noconnection when the node goes; once each", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const target = b.rt.spawn({ init: () => null, handleInfo: () => stop("shutdown_by_test") });
    const kept = b.rt.spawn(Echo);
    const dropped = b.rt.spawn(Echo);
    const got: unknown[] = [];
    const refs: Record<string, unknown> = {};
    a.rt.spawn(async () => {
      refs.target = a.rt.monitor(far(target));
      refs.kept = a.rt.monitor(far(kept));
      refs.dropped = a.rt.monitor(far(dropped));
      a.rt.demonitor(refs.dropped as never);
      for (;;) got.push(await receive());
    });
    await until(() => Object.keys(refs).length === 3);
    // Let the monitor frames arrive before the target exits.
    await a.rt.call(far(kept), "sync");
    b.rt.send(target, "go");
    await until(() => got.length === 1);
    expect(got[0]).toMatchObject({ type: "DOWN", ref: refs.target, reason: "shutdown_by_test" });
    expect((got[0] as DownMessage).pid.equals(target)).toBe(true);
    b.rt.exit(dropped, "kill");
    // b stops (it says goodbye): the monitor that is left fires with noconnection.
    await b.ps.stop();
    await until(() => got.length === 2);
    expect(got[1]).toMatchObject({ type: "DOWN", ref: refs.kept, reason: "noconnection" });
    // Nothing more comes: each monitor fired once.
    await new Promise((r) => setTimeout(r, TIMING.heartbeatMs * 10));
    expect(got.length).toBe(2);
    expect(a.rt.nodes()).toEqual([]);
  });

  it("a process that exits drops its monitors of other nodes' processes (both nodes forget them) and of nodes", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const kept = far(b.rt.spawn(Echo));
    await inProcess(a.rt, () => {
      a.rt.monitor(kept);
      a.rt.monitorNode("b");
    });
    // The monitor frame went before this call's: b served the monitor before it answers.
    await a.rt.call(kept, "sync");
    // The monitoring process has exited; its monitors must not stay until `kept` exits or b goes down.
    await until(() => a.rt.dist.stats().monitors === 0 && a.rt.dist.stats().nodeMonitors === 0);
    await until(() => b.rt.dist.stats().served === 0);
    expect(b.rt.isAlive(kept)).toBe(true);
  });

  it("links across nodes carry exit signals both ways; noconnection when the node goes; monitorNode tells once", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const got: unknown[] = [];
    const remote = far(b.rt.spawn(Echo));
    const doomed = far(b.rt.spawn(Echo));
    const mine = a.rt.spawn(
      async () => {
        a.rt.link(remote);
        a.rt.link(doomed);
        got.push(a.rt.monitorNode("b"));
        for (;;) got.push(await receive());
      },
      undefined,
      { trapExit: true },
    );
    await until(() => got.length === 1);
    await a.rt.call(remote, "sync");
    // b's side of the link: doomed crashes, and the trapping process on a gets the EXIT with its reason.
    b.rt.exit(doomed, "kill");
    await until(() => got.length === 2);
    expect(got[1]).toMatchObject({ type: "EXIT", reason: "killed" });
    expect((got[1] as ExitMessage).from?.equals(doomed)).toBe(true);
    // a's side: a process on b linked to a non-trapping process of a dies with it.
    const victim = a.rt.spawn({ init: () => null });
    const acks = recorder(a.rt);
    const linker = far(
      b.rt.spawn({
        init: () => null,
        handleInfo: (m: { victim: Pid; ack: Pid }, s: null) => {
          b.rt.link(m.victim);
          // Frames from b to a keep their order: the link is in place on a when the ack arrives.
          b.rt.send(m.ack, "linked");
          return s;
        },
      }),
    );
    expect(b.rt.stats().processes).toBe(2);
    a.rt.send(linker, { victim: far(victim), ack: far(acks.pid) });
    await until(() => acks.got.length === 1);
    a.rt.exit(victim, "boom");
    await until(() => b.rt.stats().processes === 1);
    // b goes: the remaining link breaks with noconnection, and the node monitor fires.
    await b.ps.stop();
    await until(() => got.length === 4);
    expect(got.slice(2)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "EXIT", reason: "noconnection" }),
        expect.objectContaining({ type: "nodedown", node: "b", ref: got[0] }),
      ]),
    );
    expect(a.rt.isAlive(mine)).toBe(true);
  });

  it("Presence rides the node heartbeat (one beat per node per period): presences replicate, and nothing beats on the presence topic", async () => {
    const [a, b] = await cluster(["a", "b"]);
    // A spy on the replicas' own topic: with the node heartbeat carrying their beats, no periodic beat is there.
    // It listens from before either replica starts, so every hello on the topic is counted, none in flight.
    const spy = recorder(b.rt);
    b.ps.subscribe(spy.pid, "cinder:presence:x");
    const beats = () => spy.got.filter((m) => (m as { t?: string }).t === "hb").length;
    const pa = Presence.start({ pubsub: a.ps, name: "x", runtime: a.rt, logger: () => {} });
    const pb = Presence.start({ pubsub: b.ps, name: "x", runtime: b.rt, logger: () => {} });
    try {
      const user = a.rt.spawn({ init: () => null });
      expect(pa.track(user, "room", "u1", { node: "a" })).toMatchObject({ ok: true });
      await until(() => pb.list("room").u1 !== undefined);
      // Both replicas have heard from each other (a replica answers a newcomer once, on its topic).
      await until(() => pa.stats().replicasUp === 1 && pb.stats().replicasUp === 1);
      // The hellos b's node hears on the topic: each replica's at its start (a's from afar, b's from its own
      // node), and a's answer to the newcomer b (b's answer goes to a's node). Then ten periods bring none.
      await until(() => beats() === 3);
      const start = Date.now();
      await until(() => Date.now() - start > TIMING.heartbeatMs * 10);
      expect(beats()).toBe(3);
      a.rt.exit(user, "kill");
      await until(() => pb.list("room").u1 === undefined);
    } finally {
      pa.stop();
      pb.stop();
    }
  });

  it("exit(remotePid, reason) reaches a process on another node: kill kills (killed), another reason is trapped", async () => {
    const [a, b] = await cluster(["a", "b"]);
    const reasons: unknown[] = [];
    const plain = b.rt.spawn(Echo);
    b.rt.watch(plain, (r) => reasons.push(r));
    const trapping = recorder(b.rt, { trapExit: true });
    a.rt.exit(far(trapping.pid), "go_away");
    a.rt.exit(far(plain), "kill");
    await until(() => reasons.length === 1 && trapping.got.length === 1);
    expect(reasons).toEqual(["killed"]);
    expect(trapping.got).toEqual([{ type: "EXIT", from: null, reason: "go_away" }]);
  });
});
