import diagnosticsChannel from "node:diagnostics_channel";
import { createRuntime, type SpanContext } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { createEndpoint, createLogger, defineChannel, type Endpoint } from "../src/index.js";

function record(name: string) {
  const seen: { kind: "start" | "end" | "error"; ctx: SpanContext }[] = [];
  const tc = diagnosticsChannel.tracingChannel<unknown, SpanContext>(name);
  tc.subscribe({
    start: (ctx) => seen.push({ kind: "start", ctx }),
    end: (ctx) => seen.push({ kind: "end", ctx }),
    asyncStart: () => {},
    asyncEnd: () => {},
    error: (ctx) => seen.push({ kind: "error", ctx }),
  });
  return seen;
}

const Room = defineChannel({
  name: "Room",
  join: () => ({ ok: {} }),
  handleIn(event) {
    if (event === "boom") throw new Error("kaboom");
    return { reply: { status: "ok", response: {} } };
  },
});

let pubsub: PubSub;
let endpoint: Endpoint;
let port: number;
beforeAll(async () => {
  const runtime = createRuntime({ logger: () => {} });
  pubsub = await PubSub.start({ name: "channels-telemetry", runtime });
  endpoint = createEndpoint({
    routes: {},
    pubsub,
    secret: "x".repeat(40),
    runtime,
    logger: createLogger({ write: () => {} }),
    sockets: { "/socket": { channels: { "room:*": Room } } },
  });
  port = await endpoint.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await endpoint.close(1000);
  await pubsub.stop();
});

describe("telemetry of channels", () => {
  test("join and handle_in spans with filtered params; a handleIn that throws ends in error", async () => {
    const join = record("cinder:channel:join");
    const handleIn = record("cinder:channel:handle_in");
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0`);
    const frames: any[][] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once("open", r));
    const until = async (pred: () => boolean) => {
      const end = Date.now() + 30_000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; frames: ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    ws.send(JSON.stringify(["1", "1", "room:1", "phx_join", { api_token: "s3cret", n: 1 }]));
    await until(() => frames.some((f) => f[1] === "1"));
    ws.send(JSON.stringify(["1", "2", "room:1", "ping", { password: "p", x: 2 }]));
    await until(() => frames.some((f) => f[1] === "2"));
    ws.send(JSON.stringify(["1", "3", "room:1", "boom", {}]));
    await until(() => frames.some((f) => f[3] === "phx_error"));
    ws.close();
    expect(join.map((s) => s.kind)).toEqual(["start", "end"]);
    expect(join[1]!.ctx).toMatchObject({
      channel: "Room",
      topic: "room:1",
      params: { api_token: "[FILTERED]", n: 1 },
    });
    expect(typeof join[1]!.ctx.duration).toBe("number");
    expect(handleIn.map((s) => [s.kind, s.ctx.event])).toEqual([
      ["start", "ping"],
      ["end", "ping"],
      ["start", "boom"],
      ["error", "boom"],
    ]);
    expect(handleIn[1]!.ctx.params).toEqual({ password: "[FILTERED]", x: 2 });
    expect((handleIn[3]!.ctx.error as Error).message).toBe("kaboom");
  });
});
