/**
 * The dashboard's pages for another node: two runtimes in this Node process, each with a PubSub with
 * distribution on one LocalCluster (every frame goes through the codec, as over a network). Node A's
 * dashboard shows node B's processes as B lists them, kills on B, says "no dashboard agent" for a node
 * without one, and "unreachable" once B is down.
 */
import { createRuntime, type Runtime, reply } from "@cinder/actors";
import { dashboard } from "@cinder/dashboard";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { live } from "@cinder/liveview/testing";
import { LocalCluster, local, PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SECRET } from "./helpers/liveview.js";

// Nodes here go down by saying goodbye (stop), so the down time can be far above any stall of a loaded machine.
const TIMING = { heartbeatMs: 50, downAfterMs: 20_000 };
const cluster = new LocalCluster();
const idle = { init: () => null, handleInfo: (_m: unknown, s: null) => s };
const started: PubSub[] = [];

interface Node {
  rt: Runtime;
  ps: PubSub;
}

async function node(name: string, withDashboard: boolean): Promise<Node> {
  const rt = createRuntime({ node: name, processTable: true, logger: () => {} });
  const ps = await PubSub.start({
    name: "dash",
    runtime: rt,
    adapter: local({ cluster }),
    distribution: TIMING,
    logger: () => {},
  });
  started.push(ps);
  if (withDashboard) dashboard({ runtime: rt, pubsub: ps });
  return { rt, ps };
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

let a: Node;
let b: Node;
let c: Node;
let endpoint: Endpoint;

beforeAll(async () => {
  a = await node("a", false);
  endpoint = createEndpoint({
    routes: [dashboard({ runtime: a.rt, pubsub: a.ps })],
    pubsub: a.ps,
    secret: SECRET,
    runtime: a.rt,
    logger: createLogger({ level: "error" }),
  });
  b = await node("b", true);
  c = await node("c", false);
  await until(() => a.rt.nodes().length === 2 && a.rt.whereisGlobal("cinder_dashboard:b") !== undefined);
}, 60_000);

afterAll(async () => {
  await endpoint.close();
  for (const ps of started) await ps.stop();
});

const ids = (html: string) => [...html.matchAll(/id="proc-(\d+)"/g)].map((m) => Number(m[1]));

describe("another node's pages, through its dashboard agent", () => {
  test("the Nodes page: B answers (with its round trip) and links to its pages; C has no agent", async () => {
    const view = await live(endpoint, "/dashboard/nodes");
    const html = await view.waitFor((h) => h.includes('id="node-b"') && h.includes('id="node-c"'));
    expect(html).toMatch(
      /<tr id="node-b"><td><a[^>]*href="\/dashboard\/nodes\/b"[^>]*>b<\/a><\/td><td>up \(heart-beating\)<\/td><td>answers in [\d.]+ (ms|µs)<\/td>/,
    );
    expect(html).toMatch(
      /<tr id="node-c"><td>c<\/td><td>up \(heart-beating\)<\/td><td>no dashboard agent<\/td>/,
    );
    view.close();
  });

  test("B's processes listed from A are B's own processes(), by pid and sorted; the header names B", async () => {
    const named = ["alpha", "beta", "gamma"].map((name) => b.rt.spawn(idle, undefined, { name }));
    const view = await live(endpoint, "/dashboard/nodes/b/processes");
    const html = view.html();
    expect(html).toContain('<b id="shown-node">node b</b> (remote)');
    const shown = ids(html);
    expect(shown.length).toBeGreaterThan(3);
    expect(shown).toEqual(
      b.rt
        .processes()
        .map((p) => p.id)
        .slice(0, shown.length),
    );
    expect(shown).not.toEqual(
      a.rt
        .processes()
        .map((p) => p.id)
        .slice(0, shown.length),
    );
    // Sorting and the navigation stay on B's pages.
    const byName = await view.patch("/dashboard/nodes/b/processes?sort=name&dir=desc");
    expect([...byName.matchAll(/<td>(alpha|beta|gamma)<\/td>/g)].map((m) => m[1])).toEqual([
      "gamma",
      "beta",
      "alpha",
    ]);
    expect(byName).toContain('href="/dashboard/nodes/b/processes?sort=');
    expect(byName).toContain('href="/dashboard/nodes/b/supervisors"');
    expect(byName).toContain('href="/dashboard/nodes"');
    view.close();
    for (const pid of named) b.rt.exit(pid, "kill");
  });

  test("a process of B: its page from A shows it, and Kill from A kills it on B", async () => {
    const victim = b.rt.spawn({ label: "FarVictim", init: () => ({ secret: 7 }) }, undefined, {
      name: "far",
    });
    const view = await live(endpoint, `/dashboard/nodes/b/processes/${victim.id}`);
    expect(view.html()).toContain("FarVictim");
    expect(view.html()).toContain("{ secret: 7 }");
    await view.click("kill");
    await view.waitFor("It is not alive");
    expect(b.rt.processInfo(victim)).toBeUndefined();
    expect(b.rt.processes().some((p) => p.equals(victim))).toBe(false);
    view.close();
  });

  test("B's home, supervisors and pubsub pages come from B", async () => {
    b.ps.subscribe(b.rt.spawn(idle), "far:topic");
    const home = await live(endpoint, "/dashboard/nodes/b");
    expect(home.html()).toContain("<h1>Node b</h1>");
    home.close();
    const pubsub = await live(endpoint, "/dashboard/nodes/b/pubsub");
    expect(pubsub.html()).toContain("<code>far:topic</code>");
    pubsub.close();
    const sups = await live(endpoint, "/dashboard/nodes/b/supervisors");
    expect(sups.html()).toContain("Supervision trees");
    sups.close();
  });

  test("a node whose agent answers nonsense shows unreachable, and the page lives on", async () => {
    const liar = c.rt.spawn({
      init: () => null,
      handleCall: (_req: unknown, _from: unknown, s: null) =>
        reply({ ok: { total: "many", rows: [{ pid: { evil: true } }] } }, s),
    });
    c.rt.registerGlobal("cinder_dashboard:c", liar);
    await until(() => a.rt.whereisGlobal("cinder_dashboard:c") !== undefined);
    const view = await live(endpoint, "/dashboard/nodes/c/processes");
    expect(view.html()).toContain("Node c unreachable");
    expect(view.html()).toContain("cannot read");
    c.rt.exit(liar, "kill");
    await view.waitFor("runs no dashboard agent");
    view.close();
  });

  test("B going down while its page is open shows it unreachable, and its Nodes row goes; a new B under the same name is reachable again", async () => {
    const view = await live(endpoint, "/dashboard/nodes/b/processes");
    expect(ids(view.html()).length).toBeGreaterThan(0);
    // As a node's death would: its link goes (a goodbye), and its processes with it.
    await b.ps.stop();
    for (const pid of b.rt.processes()) b.rt.exit(pid, "kill");
    const html = await view.waitFor("Node b unreachable", 30_000);
    expect(ids(html)).toEqual([]);
    const nodes = await live(endpoint, "/dashboard/nodes");
    await nodes.waitFor((h) => h.includes('id="node-c"') && !h.includes('id="node-b"'));
    nodes.close();

    // B comes back under the same name (a new incarnation, after A talked to the old one): the open page
    // recovers on its own and lists the new B's processes.
    const b2 = await node("b", true);
    const back = await view.waitFor((h) => ids(h).length > 0 && !h.includes("Node b unreachable"), 30_000);
    expect(ids(back)).toEqual(
      b2.rt
        .processes()
        .map((p) => p.id)
        .slice(0, ids(back).length),
    );
    view.close();
  }, 90_000);
});
