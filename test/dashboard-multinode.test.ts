/**
 * The dashboard's pages for a node in another Node process, over Redis: node A (this process) shows node B's
 * processes as B lists them, kills on B, shows B unreachable once B is killed with SIGKILL, and reachable again
 * once a new B starts under the same name.
 */
import { fileURLToPath } from "node:url";
import { createRuntime, type Runtime } from "@cinder/actors";
import { dashboard } from "@cinder/dashboard";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { live } from "@cinder/liveview/testing";
import { PubSub, redis } from "@cinder/pubsub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SECRET } from "./helpers/liveview.js";
import { ensureBuilt, NodeProcess } from "./helpers/node-process.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = await redisAvailable("the multi-node dashboard test");
const fixture = fileURLToPath(new URL("./fixtures/dashboard-node.mjs", import.meta.url));
// A down time long enough that a node stalled by a busy machine is not taken for dead.
const TIMING = { heartbeatMs: 250, downAfterMs: 4000 };
const ids = (html: string) => [...html.matchAll(/id="proc-(\d+)"/g)].map((m) => Number(m[1]));

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!ok)("another node's dashboard pages, across Node processes over Redis", () => {
  const name = `dash-${process.pid}-${Date.now().toString(36)}`;
  // The node names are unique to this run: the Redis may be shared with other tests.
  const bName = `${name}-b`;
  let rt: Runtime;
  let ps: PubSub;
  let endpoint: Endpoint;
  let b: NodeProcess;
  const all: NodeProcess[] = [];

  beforeAll(async () => {
    ensureBuilt(["actors", "pubsub", "liveview", "dashboard"]);
    rt = createRuntime({ node: `${name}-a`, processTable: true, logger: () => {} });
    ps = await PubSub.start({
      name,
      runtime: rt,
      adapter: redis({ url: REDIS_URL }),
      distribution: TIMING,
      logger: () => {},
    });
    endpoint = createEndpoint({
      routes: [dashboard({ runtime: rt, pubsub: ps })],
      pubsub: ps,
      secret: SECRET,
      runtime: rt,
      logger: createLogger({ level: "error" }),
    });
    b = await NodeProcess.spawn(fixture);
    all.push(b);
    await b.call("start", { name, node: bName, url: REDIS_URL, timing: TIMING });
    await until("A knows B's agent", () => rt.whereisGlobal(`cinder_dashboard:${bName}`) !== undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(all.map((n) => n.stop()));
    await endpoint?.close();
    await ps?.stop();
  }, 30_000);

  test("B's processes listed from A are B's own processes()", async () => {
    const victim = await b.call<number>("spawn", { label: "FarVictim" });
    const list = await live(endpoint, `/dashboard/nodes/${bName}/processes`);
    const shown = ids(list.html());
    const own = await b.call<number[]>("processes");
    expect(shown.length).toBeGreaterThan(1);
    expect(shown).toEqual(own.slice(0, shown.length));
    expect(shown).toContain(victim);
    expect(list.html()).toContain("FarVictim");
    list.close();
  }, 60_000);

  test("Kill on B's process page, from A, kills it on B", async () => {
    const victim = await b.call<number>("spawn", { label: "FarVictim2" });
    const page = await live(endpoint, `/dashboard/nodes/${bName}/processes/${victim}`);
    expect(page.html()).toContain("FarVictim2");
    await page.click("kill");
    await page.waitFor("It is not alive", 30_000);
    expect(await b.call<number[]>("processes")).not.toContain(victim);
    page.close();
  }, 60_000);

  test("B killed with SIGKILL shows unreachable on its open page", async () => {
    const view = await live(endpoint, `/dashboard/nodes/${bName}/processes`);
    expect(ids(view.html()).length).toBeGreaterThan(0);
    await b.kill();
    const html = await view.waitFor(`Node ${bName} unreachable`, 30_000);
    expect(ids(html)).toEqual([]);
    view.close();
  }, 60_000);

  test("B started again under its name (a new incarnation) is reachable again from A's open page", async () => {
    const view = await live(endpoint, `/dashboard/nodes/${bName}/processes`);
    expect(view.html()).toContain(`Node ${bName} unreachable`);
    // The killed B's name is still claimed in Redis until its claim expires; the new B retries.
    const b2 = await NodeProcess.spawn(fixture);
    all.push(b2);
    await until(
      "B to start again",
      () =>
        b2
          .call("start", { name, node: bName, url: REDIS_URL, timing: TIMING })
          .then(() => true)
          .catch(() => false),
      40_000,
    );
    const html = await view.waitFor(
      (h) => ids(h).length > 0 && !h.includes(`Node ${bName} unreachable`),
      30_000,
    );
    const own = await b2.call<number[]>("processes");
    expect(ids(html)).toEqual(own.slice(0, ids(html).length));
    view.close();
  }, 90_000);
});
