/**
 * The deploy demo's `deployments` channel, joined by the official phoenix.js client (`Socket`, `Channel`, with
 * `ws` as its transport; no LiveView on that side) on node b of two demo nodes over Redis, while a Chromium page
 * shows the live view on node a: a deploy started from either side is followed by both, step by step, and the
 * client's last deployment is the one whose times the page's table shows.
 */
import { Socket } from "phoenix";
import { describe, expect, test } from "vitest";
import WebSocket from "ws";
import { chromiumAvailable } from "./helpers/chromium.js";
import {
  type DemoNode,
  deployButton,
  IDLE_TEXT,
  STEP_TEXTS,
  startDemoPair,
  statuses,
  stepsTable,
  useDemoBrowser,
  waitForStatus,
} from "./helpers/demo.js";
import { waitFor } from "./helpers/fault.js";
import { REDIS_URL, redisAvailable } from "./helpers/redis.js";

const ok = chromiumAvailable() && (await redisAvailable("the deployments channel tests"));

interface Deployment {
  id: string;
  node: string;
  status: string;
  text: string;
  times: Record<string, number>;
}

/** A phoenix.js client joined to `deployments` on `node`, recording every `deployment` event. */
async function follow(node: DemoNode) {
  const socket = new Socket(`ws://127.0.0.1:${node.port}/socket`, { transport: WebSocket });
  socket.connect();
  const channel = socket.channel("deployments", {});
  const seen: Deployment[] = [];
  channel.on("deployment", (d: Deployment) => seen.push(d));
  const joined = await new Promise<{ node: string; deployment: Deployment | null }>((resolve, reject) =>
    channel
      .join()
      .receive("ok", resolve)
      .receive("error", (e: unknown) => reject(new Error(`join refused: ${JSON.stringify(e)}`)))
      .receive("timeout", () => reject(new Error("join timed out"))),
  );
  return { socket, channel, seen, joined, texts: () => seen.map((d) => d.text) };
}

/** The page's steps table as the client's deployment makes it ("Creating org +0.00s ..."). */
function table(d: Deployment): string {
  const cell = (step: string) =>
    d.times[step] === undefined ? "" : `+${(d.times[step]! / 1000).toFixed(2)}s`;
  return [
    ["Creating org", "create-org"],
    ["Creating repo", "create-repo"],
    ["Pushing contents", "push-contents"],
    ["Done!", "done"],
  ]
    .map(([label, step]) => `${label}${cell(step!)}`)
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
}

describe.skipIf(!ok)("the deployments channel of the deploy demo", { timeout: 120_000 }, () => {
  const { open } = useDemoBrowser();

  test("a click on node a's page: a phoenix.js client on node b follows every step of the same deploy", async () => {
    const [a, b] = await startDemoPair(REDIS_URL, { stepMs: 200 });
    const client = await follow(b);
    expect(client.joined).toEqual({ node: "b", deployment: null });
    const page = await open(a.url);

    await deployButton(page).click();
    await waitForStatus(page, "Done!");
    await waitFor("the client to see Done!", () => client.texts().includes("Done!"), { timeoutMs: 30_000 });
    expect(await statuses(page)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(client.texts()).toEqual([...STEP_TEXTS]);
    const last = client.seen.at(-1)!;
    expect(last).toMatchObject({ node: "a", status: "done" });
    expect(new Set(client.seen.map((d) => d.id)).size).toBe(1);
    expect(table(last)).toBe(await stepsTable(page));
    client.socket.disconnect();
  });

  test("a deploy pushed by the channel client runs, and the page on the other node shows it", async () => {
    const [a, b] = await startDemoPair(REDIS_URL, { stepMs: 200 });
    const page = await open(a.url);
    const client = await follow(b);
    const reply = await new Promise<{ started: boolean; deployment: Deployment }>((resolve, reject) =>
      client.channel
        .push("deploy", {})
        .receive("ok", resolve)
        .receive("error", reject)
        .receive("timeout", () => reject(new Error("deploy: no reply"))),
    );
    expect(reply.started).toBe(true);
    expect(reply.deployment).toMatchObject({ node: "b", status: "running" });
    await waitForStatus(page, "Done!");
    await waitFor("the client to see Done!", () => client.texts().includes("Done!"), { timeoutMs: 30_000 });
    expect(await statuses(page)).toEqual([IDLE_TEXT, ...STEP_TEXTS]);
    expect(table(client.seen.at(-1)!)).toBe(await stepsTable(page));
    // A second client joining now gets the finished deploy in its join reply.
    const late = await follow(a);
    expect(late.joined.deployment).toMatchObject({ id: reply.deployment.id, status: "done" });
    const unknown = await new Promise((resolve) =>
      late.channel.push("nope", {}).receive("error", resolve).receive("ok", resolve),
    );
    expect(unknown).toEqual({ reason: "unknown event" });
    client.socket.disconnect();
    late.socket.disconnect();
  });
});
