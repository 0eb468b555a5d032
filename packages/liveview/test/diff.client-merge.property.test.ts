import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DiffTracker } from "../src/render/diff.js";
import { type Rendered, renderToString } from "../src/render/rendered.js";
import { listSteps, rootShapes, tplValue } from "./support/arbitraries.js";
import { ClientView } from "./support/client.js";

// Law: applying, with the official phoenix_live_view 1.2.12 client merge (rendered.js), our first render
// and then each of our diffs yields exactly the HTML our renderToString gives for the latest values.
// The client adds nothing here: we never send "r" (no magic ids) nor components.

interface Step {
  rendered: Rendered;
  title: string | undefined;
}

const scenario = rootShapes.chain((roots) => {
  const step = fc.record({
    rendered: fc.oneof(...roots.map(tplValue)),
    title: fc.constantFrom(undefined, "A", "B<"),
  });
  // Some steps repeat an earlier step's very same values.
  return fc
    .array(fc.tuple(step, fc.option(fc.nat(), { freq: 4 })), { minLength: 1, maxLength: 8 })
    .map((pairs) => {
      const steps: Step[] = [];
      for (const [s, again] of pairs)
        steps.push(again !== null && steps.length > 0 ? steps[again % steps.length] : s);
      return steps;
    });
});

/** Plays `steps` through a tracker and the official client, checking the law after each one. */
function replay(steps: readonly Step[]): void {
  const tracker = new DiffTracker();
  const [first, ...rest] = steps;
  const client = new ClientView(tracker.render(first.rendered, { title: first.title }));
  let title = first.title;
  expect(client.html()).toBe(renderToString(first.rendered));
  for (const step of rest) {
    const diff = tracker.diff(step.rendered, { title: step.title });
    if (diff !== null) client.apply(diff);
    expect(client.html()).toBe(renderToString(step.rendered));
    title = step.title ?? title;
    // The client keeps its last title when a diff carries none.
    expect(client.titles.findLast((t) => t !== undefined)).toBe(title);
  }
}

describe("diffs merged by the official client", () => {
  test("equal a fresh render of the latest values, at every step", () => {
    fc.assert(
      fc.property(scenario, (steps) => replay(steps)),
      { numRuns: 400 },
    );
  });

  test("... also when one keyed list is reordered, filtered and refilled from a pool of entries", () => {
    fc.assert(
      fc.property(listSteps, (steps) => replay(steps.map((rendered) => ({ rendered, title: undefined })))),
      { numRuns: 400 },
    );
  });

  test("rendering the same values again produces no diff", () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const tracker = new DiffTracker();
        tracker.render(steps[0].rendered);
        expect(tracker.diff(steps[0].rendered)).toBeNull();
        for (const step of steps.slice(1)) {
          tracker.diff(step.rendered);
          expect(tracker.diff(step.rendered)).toBeNull();
        }
      }),
      { numRuns: 200 },
    );
  });
});
