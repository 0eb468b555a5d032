/**
 * The demo's stats paths (`/stats.json`, `/gc.json`, `/deployment.json`) show a node's internals: open in
 * development and test, answering 404 in production unless `STATS_TOKEN` is set and presented. Each node is
 * a real `node apps/deploy-demo/dist/main.js` child process.
 */
import { afterAll, describe, expect, test } from "vitest";
import { type DemoNode, killAllDemos, startDemo } from "./helpers/demo.js";

const PATHS = ["stats.json", "gc.json", "deployment.json"];
const TOKEN = "stats-token-for-the-test-0123456789";
const PRODUCTION = { NODE_ENV: "production", SECRET_KEY_BASE: "x".repeat(64), LOG_LEVEL: "warn" };

afterAll(killAllDemos);

async function status(node: DemoNode, path: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(node.url + path, { headers });
  await res.arrayBuffer();
  return res.status;
}

describe("the demo's stats paths and its dashboard", () => {
  test("in test (as in development) they are open", async () => {
    const node = await startDemo({ env: { STATS_TOKEN: "" } });
    for (const p of PATHS) expect(await status(node, p), p).toBe(200);
    expect(await status(node, "dashboard")).toBe(200);
    await node.stop();
  });

  test("in production without STATS_TOKEN they answer 404, whatever is presented; pages are served", async () => {
    const node = await startDemo({ env: { ...PRODUCTION, STATS_TOKEN: "" } });
    expect(await status(node, "")).toBe(200);
    expect(await status(node, "dashboard")).toBe(404); // not mounted at all
    for (const p of PATHS) {
      expect(await status(node, p), p).toBe(404);
      expect(await status(node, p, { authorization: `Bearer ${TOKEN}` }), p).toBe(404);
    }
    await node.stop();
  });

  test("in production with STATS_TOKEN they answer only a request presenting it (header or query)", async () => {
    const node = await startDemo({ env: { ...PRODUCTION, STATS_TOKEN: TOKEN } });
    for (const p of PATHS) {
      expect(await status(node, p), p).toBe(404);
      expect(await status(node, `${p}?token=${TOKEN}x`), p).toBe(404);
      expect(await status(node, p, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }), p).toBe(404);
      expect(await status(node, p, { authorization: `Basic ${TOKEN}` }), p).toBe(404);
      expect(await status(node, p, { authorization: `Bearer ${TOKEN}` }), p).toBe(200);
      expect(await status(node, `${p}?token=${TOKEN}`), p).toBe(200);
    }
    const stats = await (
      await fetch(`${node.url}stats.json`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json();
    expect(stats).toMatchObject({ node: "a" });
    // The dashboard: its guard sends a visitor without the token home; with it, the page.
    const refused = await fetch(`${node.url}dashboard`, { redirect: "manual" });
    expect([refused.status, refused.headers.get("location")]).toEqual([302, "/"]);
    expect(await status(node, `dashboard?token=${TOKEN}`)).toBe(200);
    await node.stop();
  });

  test("a STATS_TOKEN too short to be secret stops the node at start, naming the variable", async () => {
    await expect(startDemo({ env: { ...PRODUCTION, STATS_TOKEN: "short" } })).rejects.toThrow(
      "STATS_TOKEN must be at least 16 characters",
    );
  });
});
