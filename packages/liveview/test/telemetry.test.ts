import diagnosticsChannel from "node:diagnostics_channel";
import { createRuntime, type SpanContext, self, send } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { afterEach, describe, expect, test } from "vitest";
import { fetchPage, RawClient, startEndpoint } from "../../../test/helpers/liveview.js";
import { defineComponent, defineLiveView, html, liveComponent, telemetry } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";

/** Records every start/end/error of the tracing channel `name` until `stop()`. */
function record(name: string) {
  const seen: { kind: "start" | "end" | "error"; ctx: SpanContext }[] = [];
  const handlers = {
    start: (ctx: SpanContext) => seen.push({ kind: "start", ctx }),
    end: (ctx: SpanContext) => seen.push({ kind: "end", ctx }),
    asyncStart: () => {},
    asyncEnd: () => {},
    error: (ctx: SpanContext) => seen.push({ kind: "error", ctx }),
  };
  const tc = diagnosticsChannel.tracingChannel<unknown, SpanContext>(name);
  tc.subscribe(handlers);
  stops.push(() => tc.unsubscribe(handlers));
  return seen;
}
const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

const Shop = defineLiveView<{ n: number }>({
  name: "Shop",
  mount(_params, _session, socket) {
    socket.assign({ n: 0 });
  },
  handleParams() {},
  handleEvent(event, _value, socket) {
    if (event === "boom") throw new Error("kaboom");
    if (event === "ping") send(self(), { hello: 1 });
    socket.update("n", (n) => n + 1);
  },
  handleInfo(_msg, socket) {
    socket.update("n", (n) => n + 10);
  },
  render: ({ n }) => html`<p>${n}</p>`,
});

describe("telemetry: start/end/error spans on diagnostics_channel", () => {
  test("mount, handle_params, handle_event, handle_info and render, with durations and filtered params", async () => {
    const mount = record("cinder:live_view:mount");
    const params = record("cinder:live_view:handle_params");
    const event = record("cinder:live_view:handle_event");
    const info = record("cinder:live_view:handle_info");
    const render = record("cinder:live_view:render");
    const runtime = createRuntime({ logger: () => {} });
    const view = await liveIsolated(Shop, { session: { user: 1, api_token: "s3cret" }, runtime });
    // The dead render mounts too (connected: false), then the connected mount.
    expect(mount.map((m) => [m.kind, m.ctx.connected])).toEqual([
      ["start", false],
      ["end", false],
      ["start", true],
      ["end", true],
    ]);
    const m = mount[3].ctx;
    expect(m).toMatchObject({ view: "Shop", id: view.id, session: { user: 1, api_token: "[FILTERED]" } });
    expect(typeof m.duration).toBe("number");
    expect(m.duration).toBeGreaterThan(0);
    expect(mount[2].ctx).toBe(mount[3].ctx); // one object per span: subscribers pair them by identity
    expect(params.filter((p) => p.kind === "end")).toHaveLength(2);

    await view.submit("save", { user: { name: "Ada", password: "hunter2" } });
    const ev = event.find((e) => e.kind === "end")!.ctx;
    expect(ev).toMatchObject({
      view: "Shop",
      event: "save",
      params: { user: { name: "Ada", password: "[FILTERED]" } },
    });
    expect(ev.duration).toBeGreaterThan(0);
    expect(render.some((r) => r.kind === "end" && (r.ctx.changed as string[] | null)?.includes("n"))).toBe(
      true,
    );

    await view.click("ping");
    await view.waitFor("<p>12</p>");
    expect(info.filter((i) => i.kind === "end").map((i) => i.ctx.message)).toEqual([{ hello: 1 }]);
    view.close();
  });

  test("a callback that throws publishes error (with the error and a duration), not end", async () => {
    const event = record("cinder:live_view:handle_event");
    const view = await liveIsolated(Shop, { runtime: createRuntime({ logger: () => {} }) });
    await view.click("boom").catch(() => {});
    await view.waitFor(() => view.status !== "joined").catch(() => {});
    const kinds = event.map((e) => e.kind);
    expect(kinds).toEqual(["start", "error"]);
    expect((event[1].ctx.error as Error).message).toBe("kaboom");
    expect(event[1].ctx.duration).toBeGreaterThan(0);
  });

  test("socket connect over a real websocket, and refusals as errors with their status", async () => {
    const connect = record("cinder:socket:connect");
    const it = await startEndpoint(() => ({ "/": Shop }));
    try {
      const page = await fetchPage(it.base);
      const client = await RawClient.connect(it.base, page);
      const ends = connect.filter((c) => c.kind === "end");
      expect(ends).toHaveLength(1);
      expect(ends[0].ctx).toMatchObject({ transport: "websocket", params: { _csrf_token: "[FILTERED]" } });
      expect(ends[0].ctx.duration).toBeGreaterThan(0);
      client.close();
      await expect(RawClient.connect(it.base, page, { csrf: "forged" })).rejects.toThrow("HTTP 403");
      expect(connect.filter((c) => c.kind === "error").map((c) => c.ctx.error)).toEqual([403]);
    } finally {
      await it.endpoint.close();
    }
  });

  test("pubsub broadcast", async () => {
    const bc = record("cinder:pubsub:broadcast");
    const pubsub = await PubSub.start({ name: "telemetry-bc" });
    try {
      await pubsub.broadcast("room", { hi: 1 });
      expect(bc.map((b) => b.kind)).toEqual(["start", "end"]);
      expect(bc[1].ctx).toMatchObject({ pubsub: "telemetry-bc", topic: "room", from: null });
      expect(bc[1].ctx.duration).toBeGreaterThan(0);
    } finally {
      await pubsub.stop();
    }
  });

  test("live component update and handle_event", async () => {
    const update = record("cinder:live_component:update");
    const event = record("cinder:live_component:handle_event");
    const Counter = defineComponent<{ count: number }>({
      name: "Counter",
      mount: (socket) => void socket.assign({ count: 0 }),
      update: (assigns, socket) => void socket.assign(assigns),
      events: { inc: (_v, socket) => void socket.update("count", (n) => n + 1) },
      render: ({ id, count, myself }) =>
        html`<div id="${id}"><button phx-click="inc" phx-target="${myself}">${count}</button></div>`,
    });
    const Page = defineLiveView({
      name: "Page",
      mount() {},
      render: () => html`<main>${liveComponent(Counter, { id: "c1" })}</main>`,
    });
    const view = await liveIsolated(Page);
    const ends = update.filter((u) => u.kind === "end");
    expect(ends.length).toBeGreaterThan(0);
    expect(ends.at(-1)!.ctx).toMatchObject({ view: "Page", component: "Counter", id: "c1" });
    await view.component("c1").click("inc", { secret_key: "k" });
    const ev = event.find((e) => e.kind === "end")!.ctx;
    expect(ev).toMatchObject({ view: "Page", component: "Counter", id: "c1", event: "inc" });
    expect(ev.params).toMatchObject({ secret_key: "[FILTERED]" });
    expect(ev.duration).toBeGreaterThan(0);
    view.close();
  });

  test("the channels are the documented names", () => {
    expect(telemetry.mount.start.name).toBe("tracing:cinder:live_view:mount:start");
    expect(telemetry.componentUpdate.end.name).toBe("tracing:cinder:live_component:update:end");
    expect(telemetry.socketConnect.error.name).toBe("tracing:cinder:socket:connect:error");
  });
});
