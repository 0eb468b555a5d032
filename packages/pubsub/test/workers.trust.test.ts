import { MessageChannel, type MessagePort } from "node:worker_threads";
import { createRuntime } from "@cinder/actors";
import { jsonCodec, PubSub, portChannel, WorkersHub, workers } from "@cinder/pubsub";
import { afterEach, describe, expect, it } from "vitest";
import { recorder } from "./support/recorder.js";

// What crosses a worker's IPC channel is checked on both ends: the worker checks every envelope the primary
// relays (as a Redis node checks what Redis brings), the hub checks the shape of what workers send and that a
// worker speaks only for the nodes it joined. Here one end of a real MessageChannel is scripted by the test.

const ports: MessagePort[] = [];
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const p of ports.splice(0)) p.close();
});

function channelPair() {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  return { worker: portChannel(port1), primary: portChannel(port2), primaryPort: port2 };
}

async function until(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function envelope(topic: string, payload: unknown, origin = "z"): string {
  return JSON.stringify([1, "b", origin, null, topic, null, jsonCodec.encode(payload)]);
}

describe("workers adapter: what the primary relays", () => {
  /** A node `a` of pubsub `p` whose primary is the test: it answers the join, then sends what a test wants. */
  const startNode = async (limits?: { maxEnvelopeBytes: number }) => {
    const { worker, primary } = channelPair();
    primary.listen((m) => {
      const msg = m as { op: string; name: string; node: string; ref: number };
      if (msg.op === "join" || msg.op === "sync")
        primary.send({ ...msg, op: msg.op === "join" ? "joined" : "synced", ok: true });
    });
    const rt = createRuntime({ node: "a" });
    const logs: string[] = [];
    const ps = await PubSub.start({
      name: "p",
      node: "a",
      runtime: rt,
      adapter: workers({ channel: worker, limits }),
      logger: (level, msg) => logs.push(`[${level}] ${msg}`),
    });
    stops.push(() => ps.stop());
    const { pid, got } = recorder(rt);
    ps.subscribe(pid, "t");
    await ps.sync();
    const env = (channel: string, data: string) =>
      primary.send({ cinder: "pubsub", op: "env", name: "p", node: "a", channel, data });
    return { ps, got, env, primary, logs };
  };

  it("drops and counts what is malformed, too large, on the wrong channel or of the wrong shape; delivers the rest", async () => {
    const n = await startNode({ maxEnvelopeBytes: 2000 });
    n.env("t:t", "not json");
    n.env("t:t", envelope("t", "x".repeat(5000)));
    n.env("t:t", envelope("other", "wrong topic"));
    n.env("n:a", JSON.stringify([1, "d", "z", "b", "t", null, jsonCodec.encode("for b")]));
    n.primary.send({ cinder: "pubsub", op: "env", name: "p", node: "a", channel: 42, data: null });
    n.env("t:t", envelope("t", "fine"));
    await until(() => n.got.length === 1, "the one good broadcast");
    expect(n.got).toEqual(["fine"]);
    expect(n.ps.stats().adapter).toMatchObject({
      received: 1,
      ignoredMalformed: 1,
      ignoredTooLarge: 1,
      ignoredWrongTopic: 1,
      ignoredWrongTarget: 1,
      ignoredMalformedControl: 1,
    });
    // Each kind is said once, with where to look.
    expect(n.logs.filter((l) => l.includes("stats().adapter.ignoredTooLarge"))).toHaveLength(1);
    // The node still works both ways.
    expect(await n.ps.broadcast("t", "after")).toEqual({ ok: true });
  });

  it("a join the hub refuses is a NodeNameTakenError; no hub at all is a clear error, not a hang", async () => {
    const hub = new WorkersHub({ logger: () => {} });
    const one = channelPair();
    const two = channelPair();
    stops.push(hub.connect(one.primary), hub.connect(two.primary));
    const first = await PubSub.start({ name: "p", node: "a", adapter: workers({ channel: one.worker }) });
    stops.push(() => first.stop());
    await expect(
      PubSub.start({ name: "p", node: "a", adapter: workers({ channel: two.worker }) }),
    ).rejects.toThrow(/node name "a" is already used/);
    const lonely = channelPair();
    await expect(
      PubSub.start({
        name: "p",
        node: "x",
        adapter: workers({ channel: lonely.worker, joinTimeoutMs: 200 }),
      }),
    ).rejects.toThrow(/no hub answered within 200 ms/);
  });
});

describe("workers hub: what workers send", () => {
  it("drops what is not of the protocol's shape, and sends for a node the channel did not join", async () => {
    const hub = new WorkersHub({ logger: () => {} });
    const honest = channelPair();
    const other = channelPair();
    stops.push(hub.connect(honest.primary), hub.connect(other.primary));
    const ps = await PubSub.start({ name: "p", node: "a", adapter: workers({ channel: honest.worker }) });
    stops.push(() => ps.stop());
    const rt = createRuntime({ node: "a" });
    const { pid, got } = recorder(rt);
    ps.subscribe(pid, "t");
    await ps.sync();

    // The other worker never joined: it cannot speak as "b", nor as "a" (a's channel is not its own).
    other.worker.send({
      cinder: "pubsub",
      op: "send",
      name: "p",
      node: "a",
      to: null,
      topic: "t",
      data: envelope("t", 1),
    });
    other.worker.send({
      cinder: "pubsub",
      op: "send",
      name: "p",
      node: "b",
      to: "a",
      topic: "t",
      data: envelope("t", 2),
    });
    other.worker.send({ cinder: "pubsub", op: "send", name: "p", node: "b", to: null, topic: "", data: "" });
    other.worker.send({ cinder: "pubsub", op: "join", name: "p", node: "x".repeat(5000), ref: 1 });
    other.worker.send({ cinder: "pubsub", op: "nonsense" });
    // An app message on the same channel is the app's: not counted.
    other.worker.send({ hello: "app" });
    await until(() => hub.stats().dropped === 5, "five drops");
    expect(got).toEqual([]);
    expect(hub.stats()).toMatchObject({ channels: 2, nodes: 1, relayed: 0, dropped: 5 });
  });
});
