/**
 * The runtime's distribution over the workers adapter: processes on two workers reach each other (send,
 * call, monitor) through the primary's hub, as over Redis. Each node reaches the hub over its own
 * MessageChannel, in this process (test/workers-demo.test.ts covers real node:cluster workers).
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { createRuntime, type DownMessage, type Pid, type Runtime, reply } from "@cinder/actors";
import { jsonCodec, PubSub, portChannel, WorkersHub, workers } from "@cinder/pubsub";
import { afterEach, describe, expect, it } from "vitest";

const ports: MessagePort[] = [];
const started: PubSub[] = [];
afterEach(async () => {
  for (const ps of started.splice(0)) await ps.stop();
  for (const p of ports.splice(0)) p.close();
});

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function node(hub: WorkersHub, name: string): Promise<{ rt: Runtime; ps: PubSub }> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  hub.connect(portChannel(port2));
  const rt = createRuntime({ node: name, logger: () => {} });
  const ps = await PubSub.start({
    name: "dist",
    runtime: rt,
    adapter: workers({ channel: portChannel(port1) }),
    distribution: { heartbeatMs: 20, downAfterMs: 200 },
    logger: () => {},
  });
  started.push(ps);
  return { rt, ps };
}

/** `pid` as the other worker holds it: decoded from the wire, with no process of this Node process attached. */
function far(pid: Pid): Pid {
  return jsonCodec.decode(jsonCodec.encode(pid)) as Pid;
}

describe("distribution over the workers adapter", () => {
  it("send in order, call with a reply, and a monitor that says noconnection when the worker goes", async () => {
    const hub = new WorkersHub({ logger: () => {} });
    const a = await node(hub, "w-0");
    const b = await node(hub, "w-1");
    await until(() => a.rt.nodes().includes("w-1") && b.rt.nodes().includes("w-0"));

    const got: unknown[] = [];
    const sink = b.rt.spawn({
      init: () => null,
      handleInfo: (m: unknown, s: null) => {
        got.push(m);
        return s;
      },
      handleCall: (req: number, _from: unknown, s: null) => reply(req * 2, s),
    });
    for (let i = 0; i < 50; i++) a.rt.send(far(sink), i);
    await until(() => got.length === 50);
    expect(got).toEqual([...Array(50).keys()]);

    const downs: DownMessage[] = [];
    const answers: unknown[] = [];
    a.rt.spawn({
      init: () => {
        a.rt.monitor(far(sink));
        a.rt.call(far(sink), 21).then((v) => answers.push(v));
        return null;
      },
      handleInfo: (m: unknown, s: null) => {
        downs.push(m as DownMessage);
        return s;
      },
    });
    await until(() => answers.length === 1);
    expect(answers).toEqual([42]);
    await b.ps.stop();
    await until(() => downs.length === 1);
    expect(downs[0]).toMatchObject({ reason: "noconnection" });
  });
});
