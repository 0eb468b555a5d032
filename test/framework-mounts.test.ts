/**
 * The README's Express and Fastify mounts, run with the real frameworks: the dead render of a live route,
 * its websocket (join and an event), and a route of the host app beside the live routes.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import express from "express";
import Fastify from "fastify";
import { afterEach, describe, expect, test } from "vitest";
import { counterFormView } from "./fixtures/liveview/views.js";
import { fetchPage, RawClient, SECRET } from "./helpers/liveview.js";

let n = 0;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function endpoint(): Promise<Endpoint> {
  const pubsub = await PubSub.start({ name: `lv-frameworks-${++n}` });
  let ep: Endpoint | undefined;
  ep = createEndpoint({
    routes: { "/": counterFormView(() => ep!) },
    pubsub,
    secret: SECRET,
    logger: createLogger({ level: "error" }),
  });
  cleanups.push(
    () => pubsub.stop(),
    () => ep!.close(),
  );
  return ep;
}

/** The page renders, its websocket joins, and a click comes back as a diff. */
async function liveRouteWorks(base: string): Promise<void> {
  const page = await fetchPage(base);
  expect(page.status).toBe(200);
  const client = await RawClient.connect(base, page);
  expect((await client.join(page)).status).toBe("ok");
  const reply = await client.push("1", "2", `lv:${page.id}`, "event", {
    type: "click",
    event: "inc",
    value: {},
  });
  expect(reply.response).toEqual({ diff: { 0: "1", t: "Count 1" } });
  client.close();
}

describe("mounting the endpoint into the frameworks people use", () => {
  test("Express 5: app.use(endpoint.handler) beside the app's own routes, handleUpgrade on its server", async () => {
    const ep = await endpoint();
    const app = express();
    app.get("/health", (_req, res) => {
      res.send("express ok");
    });
    app.use(ep.handler);
    app.use((_req, res) => {
      res.status(404).send("express 404");
    });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    server.on("upgrade", ep.handleUpgrade);
    cleanups.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${base}/health`)).text()).toBe("express ok");
    const missing = await fetch(`${base}/nowhere`);
    expect([missing.status, await missing.text()]).toEqual([404, "express 404"]);
    await liveRouteWorks(base);
  });

  test("Fastify 5: a hijacked catch-all route hands Node's req/res to the endpoint, handleUpgrade on its server", async () => {
    const ep = await endpoint();
    const fastify = Fastify();
    fastify.get("/health", async () => "fastify ok");
    fastify.get("/*", (request, reply) => {
      reply.hijack();
      ep.handler(request.raw, reply.raw);
    });
    fastify.server.on("upgrade", ep.handleUpgrade);
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => fastify.close());
    const base = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${base}/health`)).text()).toBe("fastify ok");
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    await liveRouteWorks(base);
  });
});
