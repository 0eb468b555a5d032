/**
 * Mounting the endpoint into servers it does not own: node:http with the endpoint as the request and
 * upgrade listeners, and a server with its own routes and its own websockets next to it (the shape
 * Express and Fastify mounts take). And a graceful close that runs every view's terminate.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEndpoint, createLogger, defineLiveView, html } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import { describe, expect, test } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { counterFormView } from "./fixtures/liveview/views.js";
import { fetchPage, RawClient, SECRET, startEndpoint } from "./helpers/liveview.js";

let n = 0;
async function endpoint() {
  const pubsub = await PubSub.start({ name: `lv-mount-${++n}` });
  let ep: ReturnType<typeof createEndpoint> | undefined;
  ep = createEndpoint({
    routes: { "/": counterFormView(() => ep!) },
    pubsub,
    secret: SECRET,
    logger: createLogger({ level: "error" }),
  });
  return ep;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

async function clickOnce(base: string): Promise<unknown> {
  const page = await fetchPage(base);
  expect(page.status).toBe(200);
  const c = await RawClient.connect(base, page);
  expect((await c.join(page)).status).toBe("ok");
  const r = await c.push("1", "2", `lv:${page.id}`, "event", { type: "click", event: "inc", value: {} });
  c.close();
  return r.response;
}

describe("mounting the endpoint", () => {
  test("into node:http: handler as the request listener, handleUpgrade as the upgrade listener", async () => {
    const ep = await endpoint();
    const server = createServer(ep.handler);
    server.on("upgrade", ep.handleUpgrade);
    const base = await listen(server);
    expect(await clickOnce(base)).toEqual({ diff: { 0: "1", t: "Count 1" } });
    await ep.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test("into a server with its own routes and websockets (handler as middleware with next)", async () => {
    const ep = await endpoint();
    const echo = new WebSocketServer({ noServer: true });
    echo.on("connection", (ws) => ws.on("message", (m) => ws.send(`echo ${m}`)));
    const server = createServer((req, res) => {
      if (req.url === "/health") return void res.end("ok");
      // Express's app.use(endpoint.handler) passes next the same way.
      ep.handler(req, res, () => {
        res.statusCode = 404;
        res.end("app's own 404");
      });
    });
    server.on("upgrade", (req, socket, head) => {
      if (req.url?.startsWith("/live/websocket")) ep.handleUpgrade(req, socket, head);
      else if (req.url === "/echo")
        echo.handleUpgrade(req, socket, head, (ws) => echo.emit("connection", ws, req));
      else socket.destroy();
    });
    const base = await listen(server);
    expect(await (await fetch(`${base}/health`)).text()).toBe("ok");
    expect(await (await fetch(`${base}/missing`)).text()).toBe("app's own 404");
    expect(await clickOnce(base)).toEqual({ diff: { 0: "1", t: "Count 1" } });
    const ws = new WebSocket(`${base.replace("http", "ws")}/echo`);
    const reply = await new Promise((resolve) => {
      ws.on("open", () => ws.send("hi"));
      ws.on("message", (m) => resolve(String(m)));
    });
    expect(reply).toBe("echo hi");
    ws.close();
    await ep.close();
    echo.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test("close() is graceful: clients get 1001, every view's terminate runs, the port is released", async () => {
    const terminated: unknown[] = [];
    const View = defineLiveView({
      mount(_p, _s, socket) {
        socket.assign({});
      },
      terminate(reason) {
        terminated.push(reason);
      },
      render: () => html`<p>bye</p>`,
    });
    const s = await startEndpoint(() => ({ "/": View }));
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const page = await fetchPage(s.base);
      const c = await RawClient.connect(s.base, page);
      await c.join(page);
      clients.push(c);
    }
    expect(s.endpoint.connections).toBe(3);
    await s.endpoint.close();
    expect(terminated).toEqual(["shutdown", "shutdown", "shutdown"]);
    for (const c of clients) expect((await c.closed).code).toBe(1001);
    await expect(fetch(`${s.base}/`)).rejects.toThrow();
  });

  test("a websocket that sends nothing, not even heartbeats, is closed after idleTimeout", async () => {
    const s = await startEndpoint((ep) => ({ "/": counterFormView(ep) }), { idleTimeout: 100 });
    const page = await fetchPage(s.base);
    const c = await RawClient.connect(s.base, page);
    const { code } = await c.closed;
    expect(code).toBe(1006); // terminated without a close frame
    expect(s.logs.some((l) => l.includes("(no heartbeat)"))).toBe(true);
    await s.endpoint.close();
  });
});
