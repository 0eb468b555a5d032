/**
 * Crash isolation under load: 500 live views, each joined by the official channel client (`Phoenix.Socket`
 * with `ws` as its transport, one websocket per view, as 500 browser tabs would), watch a deploy broadcast
 * step by step. A random 5% of them throw in `handleInfo` at a random step. Every other view receives every
 * step, in order, once; each crashed view's client gets `phx_error`, rejoins by itself (the official client's
 * own rejoin timer, 1 s) and shows the current step, then the rest; each crash is logged once; and the
 * process table and the PubSub index return to their expected sizes, then to empty once the clients leave.
 */
import { createRuntime } from "@cinder/actors";
import { createEndpoint, createLogger, defineLiveView, type Endpoint, html } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, expect, test } from "vitest";
import { LiveClient, waitFor } from "./helpers/fault.js";
import { SECRET } from "./helpers/liveview.js";

const CLIENTS = 500;
const FRAGILE = Math.round(CLIENTS * 0.05);
const STEPS = ["create-org", "create-repo", "push-contents", "done"];

/** The deploy as the server knows it now: what a (re)mounting view shows. */
const current = { step: 0, name: "idle" };
/** Clients (by their `cid` connect param) whose view has crashed once already: it does not crash again. */
const crashed = new Set<string>();

const rtLogs: string[] = [];
const rt = createRuntime({ node: "crash", logger: (level, msg) => rtLogs.push(`[${level}] ${msg}`) });
let pubsub: PubSub;
let endpoint: Endpoint;
let base: string;

interface Assigns {
  step: number;
  name: string;
}

const DeployWatcher = defineLiveView<Assigns>({
  name: "DeployWatcher",
  mount(_params, _session, socket) {
    socket.assign({ step: current.step, name: current.name });
    if (socket.connected) endpoint.subscribe("deploy");
  },
  handleInfo(msg: { event: string; payload: { step: number; name: string } }, socket) {
    const { crashAt, cid } = socket.connectParams as { crashAt?: number; cid: string };
    if (crashAt === msg.payload.step && !crashed.has(cid)) {
      crashed.add(cid);
      throw new Error(`view ${cid} crashes at step ${crashAt}, as the test asked`);
    }
    socket.assign({ step: msg.payload.step, name: msg.payload.name });
  },
  render: (a) => html`<p id="step">${a.step}</p><p id="name">${a.name}</p>`,
});

beforeAll(async () => {
  pubsub = await PubSub.start({ name: "crash-isolation", runtime: rt });
  endpoint = createEndpoint({
    routes: { "/": DeployWatcher },
    pubsub,
    secret: SECRET,
    runtime: rt,
    logger: createLogger({ level: "warn", write: () => {} }),
  });
  base = `http://127.0.0.1:${await endpoint.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await endpoint?.close(1000);
  await pubsub?.stop();
});

/** A seeded PRNG (mulberry32), so that a failing pick of fragile clients can be replayed from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`${CLIENTS} views watch a deploy; ${FRAGILE} crash in handleInfo; the rest see every step; the crashed rejoin and catch up`, async () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1e9);
  const random = prng(seed);
  const fragile = new Map<number, number>(); // client index -> the step it crashes at
  while (fragile.size < FRAGILE) fragile.set(Math.floor(random() * CLIENTS), 1 + Math.floor(random() * 3));
  const info = `seed ${seed} (SEED=${seed} replays it)`;

  const baseline = rt.stats().processes;
  const seen: number[][] = Array.from({ length: CLIENTS }, () => []);
  const clients: LiveClient[] = [];
  for (let b = 0; b < CLIENTS; b += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, CLIENTS - b) }, (_, k) => {
        const i = b + k;
        const crashAt = fragile.get(i);
        return LiveClient.open(base, {
          params: crashAt === undefined ? { cid: `c${i}` } : { cid: `c${i}`, crashAt },
          onHtml: (h) => {
            const step = Number(/<p id="step">(\d+)<\/p>/.exec(h)?.[1]);
            if (seen[i].at(-1) !== step) seen[i].push(step);
          },
        });
      }),
    );
    clients.push(...batch);
  }
  // One socket process and one view process per client.
  expect(rt.stats().processes, info).toBe(baseline + 2 * CLIENTS);
  expect(pubsub.stats().subscriptions, info).toBe(CLIENTS);

  for (let k = 1; k <= STEPS.length; k++) {
    current.step = k;
    current.name = STEPS[k - 1];
    await endpoint.broadcast("deploy", "step", { step: k, name: current.name });
    // Every view that is joined has it before the next step goes out (crashed ones catch up on rejoin).
    await waitFor(`step ${k} to reach the joined views (${info})`, () =>
      clients.every((_c, i) => seen[i].at(-1) === k || crashed.has(`c${i}`)),
    );
  }

  // Each crashed client is rejoined by the official client (after its 1 s rejoin timer) and shows the end.
  await waitFor(
    `every crashed client to rejoin and show the last step (${info})`,
    () => [...fragile.keys()].every((i) => clients[i].joins === 2 && seen[i].at(-1) === STEPS.length),
    { timeoutMs: 30_000 },
  );

  const all = Array.from({ length: STEPS.length + 1 }, (_, k) => k);
  for (let i = 0; i < CLIENTS; i++) {
    const c = clients[i];
    if (fragile.has(i)) {
      const at = fragile.get(i)!;
      expect({ i, crashed: crashed.has(`c${i}`), joins: c.joins, errors: c.errors }, info).toEqual({
        i,
        crashed: true,
        joins: 2,
        errors: 1,
      });
      // Up to the step before the crash, then (after the rejoin) the current step and what came after.
      expect(seen[i].slice(0, at), info).toEqual(all.slice(0, at));
      expect(seen[i].at(-1), info).toBe(STEPS.length);
      expect(c.html()).toContain(`<p id="name">done</p>`);
    } else {
      // Every step, in order, once; never an error or a second join.
      expect({ i, seen: seen[i], joins: c.joins, errors: c.errors }, info).toEqual({
        i,
        seen: all,
        joins: 1,
        errors: 0,
      });
    }
  }
  // Each crash logged once, with its reason; no other error.
  const errors = rtLogs.filter((l) => l.startsWith("[error]"));
  expect(errors.length, errors.slice(0, 3).join("\n")).toBe(FRAGILE);
  for (const e of errors) expect(e).toMatch(/crashes at step \d, as the test asked/);

  // The process table and the index are back to one socket and one view per client.
  await waitFor("the process table to settle", () => rt.stats().processes === baseline + 2 * CLIENTS);
  expect(pubsub.stats().subscriptions).toBe(CLIENTS);

  await Promise.all(clients.map((c) => c.close()));
  await waitFor("every socket and view process to stop", () => rt.stats().processes === baseline, {
    timeoutMs: 30_000,
  });
  expect(pubsub.stats()).toMatchObject({ topics: 0, subscriptions: 0, processes: 0 });
  expect(endpoint.connections).toBe(0);
}, 120_000);
