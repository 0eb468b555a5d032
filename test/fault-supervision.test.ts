/**
 * Supervision of the deploy demo's long-lived processes (apps/deploy-demo/src/supervision.ts): the PubSub's
 * owner, the tracker (the deployment holder) and the endpoint's owner run under one `rest_for_one`
 * supervisor. Each is killed with `exit(pid, "kill")`; each time it is restarted under a new pid, the app
 * keeps serving (a GET of the page, a view joined by the official client, whose open connections reconnect
 * and rejoin by themselves), and after all three kills a deploy still reaches every viewer. Past the restart
 * intensity, a real demo node (a child process) exits with a clear log line and code 1, and never hangs.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exit, isAlive, type Pid, runtime, whereis } from "@cinder/actors";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type App, startApp } from "../apps/deploy-demo/src/app.js";
import { readConfig } from "../apps/deploy-demo/src/config.js";
import { ENDPOINT_OWNER, PUBSUB_OWNER } from "../apps/deploy-demo/src/supervision.js";
import { TRACKER } from "../apps/deploy-demo/src/tracker.js";
import { killAllDemos, startDemo } from "./helpers/demo.js";
import { demoStatus, LiveClient, waitFor } from "./helpers/fault.js";

let app: App;
let base: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  process.env.LOG_LEVEL ??= "warn";
  app = await startApp(readConfig({ PORT: "0", DEPLOY_STEP_MS: "60", LOG_LEVEL: "warn" }));
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await app?.stop();
  await killAllDemos();
});

/** The app serves: the page renders, and a new client joins the view and sees it. */
async function serves(): Promise<LiveClient> {
  const c = await waitFor("a client to join", () => LiveClient.open(base), {
    timeoutMs: 30_000,
    everyMs: 50,
  });
  clients.push(c);
  expect(c.html()).toContain("Deploy to GitHub");
  expect(demoStatus(c.html())).not.toBeNull();
  return c;
}

describe("the demo's supervisor restarts what is killed, and the app keeps serving", () => {
  test.each([
    ["the PubSub's owner", PUBSUB_OWNER],
    ["the tracker (deployment holder)", TRACKER],
    ["the endpoint's owner", ENDPOINT_OWNER],
  ])(
    "exit(%s, 'kill'): restarted under a new pid; the page and a new view work; open clients rejoin",
    async (_what, name) => {
      const before = await serves();
      const old = whereis(name) as Pid;
      expect(old).toBeDefined();
      const pubsubBefore = app.pubsub;
      const endpointBefore = app.endpoint;

      exit(old, "kill");
      expect(isAlive(old)).toBe(false);
      const fresh = await waitFor(`${name} to be restarted`, () => {
        const p = whereis(name);
        return p !== undefined && !p.equals(old) && isAlive(p) ? p : null;
      });
      expect(String(fresh)).not.toBe(String(old));

      // rest_for_one: what comes after the dead child is restarted too, what comes before is kept.
      await waitFor(
        "a new endpoint to serve",
        () => app.endpoint !== null && app.endpoint !== endpointBefore,
      );
      if (name === PUBSUB_OWNER) expect(app.pubsub).not.toBe(pubsubBefore);
      else expect(app.pubsub).toBe(pubsubBefore);
      expect(app.endpoint).not.toBe(endpointBefore);

      const res = await waitFor("GET / to answer 200", async () => (await fetch(`${base}/`)).status === 200);
      expect(res).toBe(true);
      await serves();
      // The client connected before the kill lost its websocket (the endpoint was restarted) and is back.
      await waitFor("the earlier client to rejoin", () => before.joins >= 2 && before.joined);
    },
  );

  test("after the three kills, a deploy reaches every viewer, those that rejoined included; the supervisor never gave up", async () => {
    await serves();
    // Every client opened so far: some lived through one, two or three restarts (and rejoined each time).
    const viewers = [...clients];
    expect(viewers.length).toBeGreaterThanOrEqual(7);
    const seen = viewers.map(() => [] as string[]);
    viewers.forEach((v, i) => {
      v.onHtml = (h) => {
        const s = demoStatus(h);
        if (s !== null && seen[i].at(-1) !== s) seen[i].push(s);
      };
    });
    await viewers.at(-1)!.push("deploy");
    await waitFor("every viewer to show Done!", () => viewers.every((v) => demoStatus(v.html()) === "Done!"));
    for (const s of seen) expect(s.at(-1)).toBe("Done!");
    const sup = await Promise.race([
      app.failed.then(() => "gave up"),
      new Promise((r) => setTimeout(r, 50, "up")),
    ]);
    expect(sup).toBe("up");
    expect(isAlive(app.supervisor)).toBe(true);
  });

  test("the process table returns to its size once the clients leave", async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    // The supervisor, its three children, the current PubSub's viewer Presence replica and viewer counter, the
    // dashboard's agent (one, however many times the endpoint was rebuilt), and nothing else (every socket and
    // view process has stopped; the replicas and counters of the PubSubs the restarts replaced stopped with them).
    await waitFor("only the supervised processes to be left", () => runtime().stats().processes === 7, {
      timeoutMs: 30_000,
    });
    // The tracker's two topics, the Presence replica's own, and the counter's (the Presence topic).
    expect(app.pubsub!.stats()).toMatchObject({ subscriptions: 4 });
  });
});

describe("restart intensity exceeded", () => {
  test("a demo node whose tracker keeps dying exits with a clear log line and code 1, and does not hang", async () => {
    const killer = pathToFileURL(resolve(__dirname, "fixtures/kill-tracker-loop.mjs")).href;
    const node = await startDemo({ env: { NODE_OPTIONS: `--import=${killer}` } });
    node.child.kill("SIGUSR2"); // the preloaded fixture starts killing the tracker, each time it is restarted
    const exit = await Promise.race([
      node.exited,
      // "Never hangs": a generous bound, for a loaded machine (it exits within a few seconds on an idle one).
      new Promise<null>((r) => setTimeout(r, 60_000, null)),
    ]);
    expect(exit, node.lines().join("\n")).toEqual({ code: 1, signal: null });
    expect(node.matching(/reached its restart intensity/).length).toBeGreaterThanOrEqual(1);
    expect(node.matching(/^\[error\] FATAL: the deploy demo's supervisor/)).toHaveLength(1);
  }, 120_000);
});
