import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DiffTracker } from "../src/render/diff.js";
import type { Rendered } from "../src/render/rendered.js";
import { ClientTree } from "../src/testing/client_tree.js";
import { listSteps, rootShapes, tplValue } from "./support/arbitraries.js";
import { ClientView } from "./support/client.js";

// Law: the test harness's ClientTree merges our join renders and diffs into exactly the HTML the official
// client (phoenix_live_view 1.2.12 rendered.js) produces from the same frames, at every step, so what a
// harness test sees is what a browser would show.

const scenario = rootShapes.chain((roots) =>
  fc.array(fc.oneof(...roots.map(tplValue)), { minLength: 1, maxLength: 8 }),
);

function replay(steps: readonly Rendered[]): void {
  const tracker = new DiffTracker();
  const join = tracker.render(steps[0], { title: "T" });
  const official = new ClientView(join);
  const ours = new ClientTree();
  ours.merge(JSON.parse(JSON.stringify(join)));
  expect(ours.html()).toBe(official.html());
  expect(ours.title).toBe("T");
  for (const step of steps.slice(1)) {
    const diff = tracker.diff(step);
    if (diff === null) continue;
    official.apply(diff);
    ours.merge(JSON.parse(JSON.stringify(diff)));
    expect(ours.html()).toBe(official.html());
  }
}

describe("ClientTree (the harness's client model)", () => {
  test("renders what the official client renders, after every diff", () => {
    fc.assert(
      fc.property(scenario, (steps) => replay(steps)),
      { numRuns: 300 },
    );
  });

  test("... also through keyed moves, removals and refills", () => {
    fc.assert(
      fc.property(listSteps, (steps) => replay(steps)),
      { numRuns: 300 },
    );
  });

  test("separates title, events and hook reply from the tree", () => {
    const tree = new ClientTree();
    tree.merge({ s: ["<p>", "</p>"], 0: "a" });
    expect(tree.merge({ 0: "b", t: "New", e: [["x", {}]], r: { ok: 1 } })).toEqual({
      title: "New",
      events: [["x", {}]],
      reply: { ok: 1 },
    });
    expect(tree.html()).toBe("<p>b</p>");
    expect(tree.title).toBe("New");
  });
});
