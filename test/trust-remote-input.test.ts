/**
 * Remote input is untrusted input: two deploy demo nodes over a real Redis, and a raw ioredis client that
 * PUBLISHes hostile messages on the demo's real channel names, as anyone who can reach that Redis could. After
 * each burst: both nodes serve `GET /` with 200, the counters that say what was dropped went up (the adapter's in
 * `pubsub.adapter`, the demo's guards in `droppedMessages`, both in `/stats.json`), nothing crashed, no state
 * changed, and a deploy started afterwards reaches the page on each node.
 */

import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sign } from "../packages/pubsub/test/support/signature.js";
import { chromiumAvailable } from "./helpers/chromium.js";
import {
  type DemoNode,
  deployButton,
  IDLE_TEXT,
  STEP_TEXTS,
  startDemo,
  startDemoPair,
  statuses,
  uniquePrefix,
  useDemoBrowser,
  waitForStatus,
} from "./helpers/demo.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = chromiumAvailable() && (await redisAvailable("remote input tests"));

/** What `/stats.json` says about dropped input. */
interface Drops {
  adapter: Record<string, number>;
  dropped: Record<string, number>;
}

async function drops(n: DemoNode): Promise<Drops> {
  const s = (await (await fetch(`${n.url}stats.json`)).json()) as {
    pubsub: { adapter: Record<string, number> } | null;
    droppedMessages: Record<string, number>;
  };
  return { adapter: s.pubsub?.adapter ?? {}, dropped: s.droppedMessages };
}

/** Polls `/stats.json` until `ready` holds (the node has handled the burst), with a generous deadline. */
async function waitForDrops(n: DemoNode, ready: (d: Drops) => boolean, timeoutMs = 30_000): Promise<Drops> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await drops(n);
    if (ready(d)) return d;
    if (Date.now() > deadline)
      throw new Error(`node ${n.node}: the drops never added up: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const at = (r: Record<string, number>, k: string) => r[k] ?? 0;

/** A deployment as a node would broadcast it (well-typed, started now). */
function deployment(over: Record<string, unknown> = {}): Record<string, unknown> {
  const startedAt = Date.now();
  return {
    id: `evil-${startedAt}`,
    node: "evil",
    status: "running",
    step: "create-org",
    text: "Forged",
    startedAt,
    times: { "create-org": 0 },
    ...over,
  };
}

/** The wire envelope, as the adapter writes it: `[1, kind, origin, target, topic, from, payload, ...]`. */
function envelope(topic: string, messages: unknown[], kind: "b" | "d" = "b", target: string | null = null) {
  const items = messages.flatMap((m) => [null, m]);
  return JSON.stringify([1, kind, "evil", target, topic, ...items]);
}

describe.skipIf(!ok)(
  "remote input is untrusted: hostile PUBLISHes to two demo nodes",
  { timeout: 120_000 },
  () => {
    const { open } = useDemoBrowser();
    let raw: Redis;
    beforeAll(() => {
      raw = new Redis(REDIS_URL);
    });
    afterAll(() => raw.disconnect());

    interface Pair {
      nodes: [DemoNode, DemoNode];
      pages: [Page, Page];
      /** The demo's real channels: a topic's, and a node's own. */
      topic(name: string): string;
      node(name: string): string;
    }

    const startPair = async (env: Record<string, string> = {}): Promise<Pair> => {
      const prefix = uniquePrefix();
      const nodes = await startDemoPair(REDIS_URL, { redisPrefix: prefix, stepMs: 60, env });
      const pages = await Promise.all(nodes.map((n) => open(n.url)));
      return {
        nodes,
        pages: pages as [Page, Page],
        topic: (name) => `${prefix}:deploy-demo:t:${name}`,
        node: (name) => `${prefix}:deploy-demo:n:${name}`,
      };
    };

    /** After a burst: both nodes alive and serving, nothing crashed, and a new deploy reaches both pages. */
    const stillServing = async ({ nodes, pages }: Pair) => {
      for (const n of nodes) {
        const res = await fetch(n.url);
        expect(res.status, `GET / on ${n.node}`).toBe(200);
        expect(await res.text()).toContain("Deploy to GitHub");
        expect(n.matching(/crashed|FATAL|restart/i), `node ${n.node} log`).toEqual([]);
        expect(n.child.exitCode).toBeNull();
      }
      const from = await Promise.all(pages.map(async (p) => (await statuses(p)).length));
      await deployButton(pages[0]).click();
      await Promise.all(pages.map((p, i) => waitForStatus(p, "Done!", { from: from[i] })));
      for (const [i, p] of pages.entries()) expect((await statuses(p)).slice(from[i])).toEqual(STEP_TEXTS);
    };

    /** Nothing the burst sent reached a page or a tracker. */
    const unchanged = async ({ nodes, pages }: Pair) => {
      for (const p of pages) expect(await statuses(p)).toEqual([IDLE_TEXT]);
      for (const n of nodes) expect(await (await fetch(`${n.url}deployment.json`)).json()).toBeNull();
    };

    test("a null payload, many more times than the restart intensity: dropped and counted, the tracker never crashes", async () => {
      const pair = await startPair();
      const cluster = pair.topic("deployments:cluster");
      const steps = pair.topic("deployments");
      for (let i = 0; i < 10; i++) {
        await raw.publish(
          cluster,
          envelope("deployments:cluster", [
            { topic: "deployments:cluster", event: "sync-request", payload: null },
          ]),
        );
        await raw.publish(
          cluster,
          envelope("deployments:cluster", [{ topic: "deployments:cluster", event: "report", payload: null }]),
        );
        await raw.publish(cluster, envelope("deployments:cluster", [null]));
        await raw.publish(
          steps,
          envelope("deployments", [{ topic: "deployments", event: "create-org", payload: null }]),
        );
        await raw.publish(
          pair.node("a"),
          envelope(
            "deployments:cluster",
            [{ topic: "deployments:cluster", event: "sync", payload: null }],
            "d",
            "a",
          ),
        );
      }
      for (const n of pair.nodes) {
        // The tracker and each view count what reaches them: each of the 10 step broadcasts twice here.
        const d = await waitForDrops(
          n,
          (d) =>
            at(d.dropped, "sync-request") >= 10 &&
            at(d.dropped, "report") >= 10 &&
            at(d.dropped, "not-a-broadcast") >= 10 &&
            at(d.dropped, "step") >= 20 &&
            (n.node !== "a" || at(d.dropped, "sync") >= 10),
        );
        expect(d.dropped["sync-request"]).toBe(10);
        // Logged once per kind, not once per message.
        expect(n.matching("a cluster message was dropped (sync-request)")).toHaveLength(1);
      }
      expect(pair.nodes[1].matching("dropped (sync)")).toEqual([]);
      await unchanged(pair);
      await stillServing(pair);
    });

    test("a poisoned deployment (no times; startedAt in the future) is refused everywhere and never becomes state", async () => {
      const pair = await startPair();
      const { times: _, ...noTimes } = deployment();
      const future = deployment({ startedAt: Date.now() + 3_600_000 });
      const cluster = pair.topic("deployments:cluster");
      for (const poisoned of [noTimes, future]) {
        for (const n of ["a", "b"]) {
          const sync = {
            topic: "deployments:cluster",
            event: "sync",
            payload: { node: "evil", state: poisoned },
          };
          await raw.publish(pair.node(n), envelope("deployments:cluster", [sync], "d", n));
        }
        const report = { node: "evil", own: poisoned };
        await raw.publish(
          cluster,
          envelope("deployments:cluster", [
            { topic: "deployments:cluster", event: "report", payload: report },
          ]),
        );
        const step = { topic: "deployments", event: "create-org", payload: poisoned };
        await raw.publish(pair.topic("deployments"), envelope("deployments", [step]));
      }
      for (const n of pair.nodes) {
        await waitForDrops(
          n,
          (d) => at(d.dropped, "sync") >= 2 && at(d.dropped, "report") >= 2 && at(d.dropped, "step") >= 4,
        );
      }
      expect(pair.nodes[0].matching(/dropped \(sync\): a state with no times/)).toHaveLength(1);
      await unchanged(pair);
      // A restarted node asks its peer where things stand, and gets nothing poisoned back.
      const b = pair.nodes[1];
      await b.stop();
      const b2 = await startDemo(b.options);
      pair.nodes[1] = b2;
      pair.pages[1] = await open(b2.url);
      await unchanged(pair);
      await stillServing(pair);
    });

    test("forged viewer counts and presence diffs are dropped and counted; the pages keep the true count", async () => {
      const pair = await startPair();
      const counts = "deployments:viewer-count";
      const truth = /2 watching \((a: 1, b: 1|b: 1, a: 1)\)/;
      const shown = (p: Page) => p.locator("main.deploy .meta").textContent();
      for (const p of pair.pages)
        await p.waitForFunction(
          (re) => new RegExp(re).test(document.querySelector("main.deploy .meta")?.textContent ?? ""),
          truth.source,
        );
      const forged = [
        { total: 1_000_000, byNode: { evil: 1 } },
        { total: 1e12, byNode: { evil: 1e12 } },
        { total: 3, byNode: { a: 1, b: 1, evil: 1 }, note: "<script>" },
        Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`n${i}`, 1])),
        null,
      ];
      for (let i = 0; i < 4; i++) {
        await raw.publish(
          pair.topic(counts),
          envelope(
            counts,
            forged.map((payload) => ({ topic: counts, event: "count", payload })),
          ),
        );
        // On the Presence topic only the node's counter listens: one drop per message, not one per view.
        await raw.publish(
          pair.topic("deployments:viewers"),
          envelope("deployments:viewers", [
            { topic: "deployments:viewers", event: "presence_diff", payload: { joins: 1 } },
          ]),
        );
      }
      for (const n of pair.nodes) {
        // One page per node: each forged count reaches its one view.
        const d = await waitForDrops(
          n,
          (d) => at(d.dropped, "viewer-count") >= 20 && at(d.dropped, "viewers-diff") >= 4,
        );
        expect(d.dropped["viewer-count"]).toBe(20);
        expect(d.dropped["viewers-diff"]).toBe(4);
        expect(n.matching("a cluster message was dropped (viewer-count)")).toHaveLength(1);
      }
      for (const p of pair.pages) expect(await shown(p)).toMatch(truth);
      await unchanged(pair);
      await stillServing(pair);
    });

    test("a 16 MB BigInt is refused before parsing, a 200,000-digit one before BigInt() runs", async () => {
      const pair = await startPair();
      const cluster = pair.topic("deployments:cluster");
      const report = (digits: number) => ({
        topic: "deployments:cluster",
        event: "report",
        payload: { node: { "~b": "9".repeat(digits) }, own: null },
      });
      await raw.publish(cluster, envelope("deployments:cluster", [report(16 * 1024 * 1024)]));
      await raw.publish(cluster, envelope("deployments:cluster", [report(200_000)]));
      for (const n of pair.nodes) {
        const d = await waitForDrops(
          n,
          (d) => at(d.adapter, "ignoredTooLarge") >= 1 && at(d.adapter, "ignoredTooLong") >= 1,
        );
        expect(d.adapter).toMatchObject({ ignoredTooLarge: 1, ignoredTooLong: 1 });
        expect(
          n.matching(/a message from Redis was dropped \(tooLarge\): an envelope of \d+ bytes/),
        ).toHaveLength(1);
      }
      await unchanged(pair);
      await stillServing(pair);
    });

    test("20,000 items in one envelope are refused (senders batch at most 256)", async () => {
      const pair = await startPair();
      const step = { topic: "deployments", event: "create-org", payload: deployment() };
      const items = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? step : 0));
      await raw.publish(pair.topic("deployments"), envelope("deployments", items));
      for (const n of pair.nodes) {
        const d = await waitForDrops(n, (d) => at(d.adapter, "ignoredTooManyItems") >= 1);
        expect(d.adapter.ignoredTooManyItems).toBe(1);
      }
      await unchanged(pair);
      await stillServing(pair);
    });

    test("an envelope whose topic is not its channel's, or a direct one for another node, is refused", async () => {
      const pair = await startPair();
      const step = { topic: "deployments", event: "create-org", payload: deployment() };
      // A valid step broadcast, but on the cluster channel: the topic must be the channel's.
      await raw.publish(pair.topic("deployments:cluster"), envelope("deployments", [step]));
      // On A's own channel: a direct broadcast for B, and a broadcast to every node.
      await raw.publish(pair.node("a"), envelope("deployments", [step], "d", "b"));
      await raw.publish(pair.node("a"), envelope("deployments", [step]));
      for (const n of pair.nodes) await waitForDrops(n, (d) => at(d.adapter, "ignoredWrongTopic") >= 1);
      await waitForDrops(pair.nodes[0], (d) => at(d.adapter, "ignoredWrongTarget") >= 2);
      await unchanged(pair);
      await stillServing(pair);
    });

    test("with CLUSTER_KEY: unsigned envelopes and ones signed with another key are refused; signed ones pass", async () => {
      const key = "test-cluster-key-0123456789abcdef";
      const pair = await startPair({ CLUSTER_KEY: key });
      const channel = pair.topic("deployments");
      const body = (text: string) =>
        envelope("deployments", [
          {
            topic: "deployments",
            event: "done",
            payload: deployment({ status: "done", step: "done", text }),
          },
        ]);
      await raw.publish(channel, body("Unsigned"));
      await raw.publish(
        channel,
        sign("another-key-0123456789abcdef", channel, body("Signed with another key")),
      );
      // Signed right, but replayed on another channel: the MAC covers the channel.
      await raw.publish(pair.topic("deployments:cluster"), sign(key, channel, body("Replayed")));
      for (const n of pair.nodes) {
        await waitForDrops(
          n,
          (d) => at(d.adapter, "ignoredUnsigned") >= 1 && at(d.adapter, "ignoredBadSignature") >= 2,
        );
      }
      await unchanged(pair);
      await stillServing(pair);
      // The nodes sign what they send each other (the deploy above went across); the same message, signed with
      // the cluster's key, is taken: what was refused above was refused for its signature only.
      const from = await Promise.all(pair.pages.map(async (p) => (await statuses(p)).length));
      await raw.publish(channel, sign(key, channel, body("Signed with the cluster key")));
      await Promise.all(
        pair.pages.map((p, i) => waitForStatus(p, "Signed with the cluster key", { from: from[i] })),
      );
    });
  },
);
