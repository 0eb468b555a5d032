/**
 * The deploy demo's guards for what other nodes send (one per cluster message kind, and one for a Deployment),
 * and its view's render on odd state. The same guards against real hostile PUBLISHes: trust-remote-input.test.ts.
 */

import { renderToString } from "@cinder/liveview";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bus } from "../apps/deploy-demo/src/bus.js";
import {
  broadcastProblem,
  CLOCK_SKEW_MS,
  CLUSTER_TOPIC,
  deploymentProblem,
  isDeployment,
  isNodeReport,
  isSyncReply,
  isSyncRequest,
  isViewerCountBroadcast,
  isViewersDiff,
  MAX_COUNT_NODES,
  VIEWER_COUNT_TOPIC,
  VIEWERS_TOPIC,
} from "../apps/deploy-demo/src/cluster_messages.js";
import { githubDeployView } from "../apps/deploy-demo/src/deploy_view.js";
import type { Deployment } from "../apps/deploy-demo/src/deployment.js";
import { STEPS, type Step, TOPIC } from "../apps/deploy-demo/src/steps.js";

const NOW = 1_800_000_000_000;
const stepNames = Object.keys(STEPS) as Step[];

/** Deployments as the runner and the tracker make them: any step, any status, times of steps reached. */
const deployment: fc.Arbitrary<Deployment> = fc
  .record({
    node: fc.string({ minLength: 1, maxLength: 10 }),
    status: fc.constantFrom("running", "done", "failed") as fc.Arbitrary<Deployment["status"]>,
    step: fc.constantFrom(...stepNames),
    text: fc.string({ maxLength: 40 }),
    startedAt: fc.double({ min: 1, max: NOW + CLOCK_SKEW_MS, noNaN: true }),
    times: fc.dictionary(fc.constantFrom(...stepNames), fc.double({ min: 0, max: 1e7, noNaN: true })),
    lost: fc.boolean(),
  })
  .map(({ lost, ...d }) => ({
    id: `${d.node}-${Math.round(d.startedAt)}`,
    ...d,
    ...(lost ? { lost: true as const } : {}),
  }));

describe("the demo's guards for remote input", () => {
  it("accept every well-formed deployment, and refuse it with any field missing or mistyped (property)", () => {
    const breakages: [string, (d: Record<string, unknown>) => void][] = [
      ["no times", (d) => delete d.times],
      ["times null", (d) => (d.times = null)],
      ["a time that is not a number", (d) => (d.times = { "create-org": "1" })],
      ["an infinite time", (d) => (d.times = { done: Number.POSITIVE_INFINITY })],
      ["a time for an unknown step", (d) => (d.times = { "format-disk": 1 })],
      ["startedAt in the future", (d) => (d.startedAt = NOW + CLOCK_SKEW_MS + 1000)],
      ["startedAt NaN", (d) => (d.startedAt = Number.NaN)],
      ["no id", (d) => delete d.id],
      ["node a number", (d) => (d.node = 7)],
      ["an unknown status", (d) => (d.status = "hacked")],
      ["an unknown step", (d) => (d.step = "rm-rf")],
      ["text an object", (d) => (d.text = { toString: 1 })],
      ["lost false", (d) => (d.lost = false)],
      ["an extra field", (d) => (d.extra = 1)],
    ];
    fc.assert(
      fc.property(deployment, fc.constantFrom(...breakages), (d, [what, breakIt]) => {
        expect(deploymentProblem(d, NOW)).toBeNull();
        const bad = { ...d } as Record<string, unknown>;
        breakIt(bad);
        expect(isDeployment(bad, NOW), what).toBe(false);
      }),
      { numRuns: 500 },
    );
    for (const v of [null, undefined, 1, "x", [], new Date(0)]) expect(isDeployment(v, NOW)).toBe(false);
  });

  it("one guard per cluster message kind: the messages trackers send pass, the same with a null or odd payload fail", () => {
    const d: Deployment = {
      id: "a-1",
      node: "a",
      status: "running",
      step: "create-org",
      text: "Creating org",
      startedAt: NOW,
      times: { "create-org": 0 },
    };
    const msg = (topic: string, event: string, payload: unknown) => ({ topic, event, payload });
    expect(isSyncRequest(msg(CLUSTER_TOPIC, "sync-request", { node: "a" }))).toBe(true);
    expect(isSyncReply(msg(CLUSTER_TOPIC, "sync", { node: "a", state: d }), NOW)).toBe(true);
    expect(isSyncReply(msg(CLUSTER_TOPIC, "sync", { node: "a", state: null }), NOW)).toBe(true);
    expect(isNodeReport(msg(CLUSTER_TOPIC, "report", { node: "a", own: d }), NOW)).toBe(true);
    expect(
      isViewersDiff(msg(VIEWERS_TOPIC, "presence_diff", { joins: {}, leaves: Object.create(null) })),
    ).toBe(true);
    expect(isViewerCountBroadcast(msg(VIEWER_COUNT_TOPIC, "count", { total: 0, byNode: {} }))).toBe(true);
    const manyNodes = Object.fromEntries(
      Array.from({ length: MAX_COUNT_NODES }, (_, i) => [i === 0 ? "?" : `n${i}`, 2]),
    );
    expect(
      isViewerCountBroadcast(
        msg(VIEWER_COUNT_TOPIC, "count", { total: 2 * MAX_COUNT_NODES, byNode: manyNodes }),
      ),
    ).toBe(true);
    for (const step of stepNames) {
      const s = { ...d, step, status: step === "done" ? "done" : "running" };
      expect(broadcastProblem(msg(TOPIC, step, s), NOW)).toBeNull();
    }
    expect(broadcastProblem(msg(TOPIC, "failed", { ...d, status: "failed" }), NOW)).toBeNull();

    const refused: [unknown, string][] = [
      [null, "not-a-broadcast"],
      ["report", "not-a-broadcast"],
      [{ op: "locked", ok: true }, "not-a-broadcast"],
      [msg(CLUSTER_TOPIC, "sync-request", null), "sync-request"],
      [msg(CLUSTER_TOPIC, "sync-request", { node: "" }), "sync-request"],
      [msg(CLUSTER_TOPIC, "sync", null), "sync"],
      [msg(CLUSTER_TOPIC, "sync", { node: "a", state: { ...d, times: undefined } }), "sync"],
      [msg(CLUSTER_TOPIC, "sync", { node: "", state: d }), "sync"],
      [msg(CLUSTER_TOPIC, "report", null), "report"],
      [msg(CLUSTER_TOPIC, "report", { node: 5, own: null }), "report"],
      // A node reports its own deploy, not another node's.
      [msg(CLUSTER_TOPIC, "report", { node: "b", own: d }), "report"],
      [msg(VIEWERS_TOPIC, "presence_diff", { joins: {}, leaves: null }), "viewers-diff"],
      [msg(VIEWERS_TOPIC, "viewers", { total: 1, byNode: {} }), "viewers-diff"],
      // A count as only a counter makes it: the sum of at most 100 nodes' counts, each a small integer.
      [msg(VIEWER_COUNT_TOPIC, "count", null), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "viewers", { total: 1, byNode: { a: 1 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 2, byNode: { a: 1 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: -1, byNode: {} }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1.5, byNode: { a: 1.5 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1e9, byNode: { a: 1e9 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 0, byNode: { a: 0 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1, byNode: { "": 1 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1, byNode: { ["x".repeat(201)]: 1 } }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1, byNode: [1] }), "viewer-count"],
      [msg(VIEWER_COUNT_TOPIC, "count", { total: 1, byNode: { a: 1 }, html: "<b>" }), "viewer-count"],
      [
        msg(VIEWER_COUNT_TOPIC, "count", {
          total: 2 * (MAX_COUNT_NODES + 1),
          byNode: { ...manyNodes, one: 2 },
        }),
        "viewer-count",
      ],
      [msg(TOPIC, "create-org", null), "step"],
      [msg(TOPIC, "create-org", { ...d, startedAt: NOW + 60_000 }), "step"],
      // The event and the deployment must agree.
      [msg(TOPIC, "done", d), "step"],
      [msg(TOPIC, "failed", d), "step"],
      [msg(TOPIC, "rm-rf", d), "step"],
      [msg("elsewhere", "x", 1), "unknown"],
    ];
    for (const [m, what] of refused) expect(broadcastProblem(m, NOW)?.what, JSON.stringify(m)).toBe(what);
  });
});

describe("the deploy view renders odd state without failing", () => {
  const bus = { node: "a" } as Bus;
  const view = githubDeployView(bus);
  const render = (deployment: unknown, viewers: unknown = null) =>
    renderToString(view.render({ node: "a", deployment, viewers, notice: "" } as never));

  it("a deployment without times, with odd fields, or odd viewer counts renders (what it can) instead of throwing", () => {
    expect(render(null)).toContain("Ready");
    const odd = [
      { id: "x", status: "running", step: "create-org", text: "Creating org", startedAt: 1 },
      { times: null, text: { evil: true }, step: "nope", status: 7 },
      { times: { "create-org": "soon" }, text: "t" },
      {},
    ];
    for (const d of odd) expect(() => render(d)).not.toThrow();
    expect(render(odd[0])).toContain("Creating org");
    expect(render(odd[1])).toContain('class="idle"');
    expect(() => render(null, { total: 1 })).not.toThrow();
    expect(() => render(null, { total: "x", byNode: { a: {} } })).not.toThrow();
  });
});
