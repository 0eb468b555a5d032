/**
 * No-leak soak of the live endpoint: websocket connect / join / (a broadcast diff) / disconnect cycles over
 * real TCP, 50 clients at a time, half closing cleanly and half dropping the connection (no close frame).
 * Afterwards no connection, socket or view process, subscription or runtime timer is left, and the heap
 * (after GC) is within 10% of where it started. `npm test` runs a few hundred cycles; `npm run soak` runs
 * 10,000 and prints its figures.
 */
import { createRuntime } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, expect, it } from "vitest";
import { counterFormView } from "./fixtures/liveview/views.js";
import { waitFor } from "./helpers/fault.js";
import { SOAK, settledHeap, size } from "./helpers/heap.js";
import { fetchPage, type Page, RawClient, SECRET } from "./helpers/liveview.js";

const rt = createRuntime({ node: "soak-ws", logger: () => {} });
let pubsub: PubSub;
let endpoint: Endpoint;
let base: string;

beforeAll(async () => {
  pubsub = await PubSub.start({ name: "soak-ws", runtime: rt });
  endpoint = createEndpoint({
    routes: { "/": counterFormView(() => endpoint) },
    pubsub,
    secret: SECRET,
    runtime: rt,
    logger: createLogger({ level: "error", write: () => {} }),
  });
  base = `http://127.0.0.1:${await endpoint.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await endpoint?.close(1000);
  await pubsub?.stop();
});

/** One cycle: connect, join the page's view, get a broadcast's diff, click once, then close or drop. */
async function cycle(page: Page, i: number): Promise<void> {
  const c = await RawClient.connect(base, page);
  const joined = await c.join(page, "1");
  if (joined.status !== "ok") throw new Error(`join refused: ${JSON.stringify(joined)}`);
  const clicked = await c.push("1", "2", `lv:${page.id}`, "event", {
    type: "click",
    event: "inc",
    value: {},
  });
  if (clicked.status !== "ok") throw new Error(`click refused: ${JSON.stringify(clicked)}`);
  if (i % 2 === 0) c.close();
  else c.ws.terminate(); // a client that vanishes: no close frame
  await c.closed;
}

async function cycles(n: number): Promise<void> {
  const CONCURRENT = 50;
  let page = await fetchPage(base);
  for (let done = 0; done < n; done += CONCURRENT) {
    // A fresh page now and then: dead renders are part of the cycle too.
    if (done % 500 === 0) page = await fetchPage(base);
    const batch = Array.from({ length: Math.min(CONCURRENT, n - done) }, (_, k) => cycle(page, done + k));
    await endpoint.broadcast("counter", "announce", `batch ${done}`);
    await Promise.all(batch);
  }
  // Clients that vanished are noticed by their server socket closing; their processes stop right after.
  await waitFor(
    "every connection and process to be gone",
    () => endpoint.connections === 0 && rt.stats().processes === 0,
    {
      timeoutMs: 20_000,
    },
  );
  await rt.drain();
}

it("websocket connect/join/disconnect cycles leave no connection, process, subscription or timer, and the heap where it was", async () => {
  const n = size(400, 10_000);
  await cycles(size(200, 2000)); // warm-up: JIT, ws and http internals, lazily grown tables
  const before = await settledHeap();
  const t0 = performance.now();
  await cycles(n);
  const ms = performance.now() - t0;
  const after = await settledHeap();
  const growth = (after - before) / before;
  const stats = { runtime: rt.stats(), pubsub: pubsub.stats(), connections: endpoint.connections };
  if (SOAK) {
    console.log(
      `websocket: ${n} connect/join/click/disconnect cycles in ${ms.toFixed(0)} ms (${((n / ms) * 1000).toFixed(0)}/s); heap ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB (${(growth * 100).toFixed(1)}%); ${JSON.stringify(stats)}`,
    );
  }
  expect(stats.connections).toBe(0);
  expect(stats.runtime).toMatchObject({ processes: 0, runQueue: 0, names: 0, timers: 0 });
  expect(stats.pubsub).toMatchObject({ topics: 0, subscriptions: 0, processes: 0 });
  expect(growth).toBeLessThan(0.1);
}, 300_000);
