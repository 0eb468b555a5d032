/**
 * The dashboard's pages through the testing harness and real HTTP/websockets: its lists match the runtime's
 * own view of processes, topics and views; a killed process disappears; paging works with 100,000
 * processes; and its on-mount guard refuses a visitor without the token over HTTP and over the websocket.
 */
import { createRuntime, type Pid, type Runtime, spawn } from "@cinder/actors";
import { dashboard } from "@cinder/dashboard";
import {
  createEndpoint,
  createLogger,
  defineLiveView,
  type Endpoint,
  html,
  type OnMount,
  type Session,
} from "@cinder/liveview";
import { live } from "@cinder/liveview/testing";
import { PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchPage, RawClient, SECRET } from "./helpers/liveview.js";

const TOKEN = "let-me-see";

// As the README shows: the token arrives once in the URL, is signed into the page's session, and every
// dashboard page checks it, dead and connected.
const session = (req: { url?: string }): Session => ({
  dashboard: new URL(req.url ?? "/", "http://x").searchParams.get("token") === TOKEN,
});
const requireToken: OnMount = (_params, s, socket) => {
  if (s.dashboard !== true) {
    socket.redirect("/");
    return { halt: true };
  }
};

const Counter = defineLiveView<{ n: number }>({
  name: "CounterView",
  mount: (_p, _s, socket) => {
    socket.assign({ n: 0 });
  },
  render: ({ n }) => html`<p>${n}</p>`,
});

const idle = { init: () => null, handleInfo: (_m: unknown, s: null) => s };

let rt: Runtime;
let big: Runtime;
let pubsub: PubSub;
let endpoint: Endpoint;
let base: string;

beforeAll(async () => {
  rt = createRuntime({ processTable: true, logger: () => {} });
  big = createRuntime({ processTable: true, node: "big", logger: () => {} });
  for (let i = 0; i < 100_000; i++) big.spawn(idle);
  pubsub = await PubSub.start({ name: "dashboard-test", runtime: rt });
  endpoint = createEndpoint({
    routes: [
      { name: "app", routes: { "/": Counter } },
      dashboard({ runtime: rt, pubsub, onMount: requireToken, session, sockets: () => endpoint.connections }),
      dashboard({ runtime: big, path: "/big", name: "big", onMount: requireToken, session }),
    ],
    pubsub,
    secret: SECRET,
    runtime: rt,
    logger: createLogger({ level: "error" }),
  });
  base = `http://127.0.0.1:${await endpoint.listen(0, "127.0.0.1")}`;
}, 60_000);

afterAll(async () => {
  await endpoint.close();
  await pubsub.stop();
});

describe("the guard (an on-mount hook the app supplies)", () => {
  test("over HTTP: no token, a redirect; the token, the page", async () => {
    const refused = await fetch(`${base}/dashboard`, { redirect: "manual" });
    expect(refused.status).toBe(302);
    expect((await fetchPage(base, `/dashboard?token=${TOKEN}`)).html).toContain("Node ");
  });

  test("over the websocket: an app page's session cannot join a dashboard page, first mount or navigation", async () => {
    const page = await fetchPage(base, "/");
    const c = await RawClient.connect(base, page);
    const first = await c.join(page, "1", { url: `${base}/dashboard/processes` });
    expect(first.status).toBe("error");
    const nav = await c.join(page, "2", { url: undefined, redirect: `${base}/dashboard/processes` });
    expect(nav.status).toBe("error");
    expect(JSON.stringify(c.frames)).not.toContain("Processes");
    c.close();
  });
});

describe("the pages", () => {
  test("processes: page one, by pid, is the runtime's own list; by name, the named ones come first", async () => {
    const named = ["alpha", "beta", "gamma"].map((name) => rt.spawn(idle, undefined, { name }));
    const view = await live(endpoint, `/dashboard/processes?token=${TOKEN}`);
    const shown = [...view.html().matchAll(/id="proc-(\d+)"/g)].map((m) => Number(m[1]));
    const listed = rt.processes().map((p) => p.id);
    expect(shown.length).toBeGreaterThan(3);
    expect(shown).toEqual(listed.slice(0, shown.length));
    const byName = await view.patch(`/dashboard/processes?token=${TOKEN}&sort=name&dir=desc`);
    const names = [...byName.matchAll(/<td>(alpha|beta|gamma)<\/td>/g)].map((m) => m[1]);
    expect(names).toEqual(["gamma", "beta", "alpha"]);
    view.close();
    for (const pid of named) rt.exit(pid, "kill");
  });

  test("a process's page shows it; Kill kills it, and it leaves the list", async () => {
    const victim = rt.spawn({ label: "Victim", init: () => ({ secret: 42 }) }, undefined, { name: "victim" });
    const view = await live(endpoint, `/dashboard/processes/${victim.id}?token=${TOKEN}`);
    expect(view.html()).toContain("Victim");
    expect(view.html()).toContain("{ secret: 42 }");
    await view.click("kill");
    await view.waitFor("It is not alive");
    expect(rt.processInfo(victim)).toBeUndefined();
    expect(rt.processes().some((p: Pid) => p.equals(victim))).toBe(false);
    view.close();
  });

  test("paging with 100,000 processes: the last page, and a sort over all of them", async () => {
    const view = await live(endpoint, `/big/processes?token=${TOKEN}&page=2000`);
    expect(view.html()).toContain("page 2000 of 2000");
    expect([...view.html().matchAll(/id="proc-(\d+)"/g)].map((m) => Number(m[1]))).toEqual(
      Array.from({ length: 50 }, (_, i) => 99_951 + i),
    );
    const sorted = await view.patch(`/big/processes?token=${TOKEN}&sort=mailbox&dir=desc&page=3`);
    expect(sorted).toContain("page 3 of 2000");
    view.close();
  }, 60_000);

  test("pubsub: each topic with its local subscribers", async () => {
    const subscriber = rt.spawn({
      init: () => {
        pubsub.subscribe("room:lobby");
        return null;
      },
    });
    const view = await live(endpoint, `/dashboard/pubsub?token=${TOKEN}`);
    expect(view.html()).toMatch(/<code>room:lobby<\/code><\/td><td class="num">1<\/td>/);
    view.close();
    rt.exit(subscriber, "kill");
  });

  test("live views: a view that connects while the page is open is counted, and its mount timed", async () => {
    const page = await live(endpoint, `/dashboard/live_views?token=${TOKEN}`);
    const counter = await live(endpoint, "/");
    await page.waitFor((h) => /<td>CounterView<\/td><td class="num">1<\/td>/.test(h));
    counter.close();
    await page.waitFor((h) => /<td>CounterView<\/td><td class="num">0<\/td>/.test(h));
    page.close();
  });

  test("home: the sparklines fill in as samples arrive", async () => {
    spawn(idle); // in the default runtime: the dashboard shows its own runtime, not this one
    const view = await live(endpoint, `/dashboard?token=${TOKEN}`);
    await view.waitFor((h) => (h.match(/<polyline/g) ?? []).length >= 10);
    expect(view.html()).toContain(`Node ${process.versions.node}`);
    view.close();
  });
});
