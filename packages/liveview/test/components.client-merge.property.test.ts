import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NO_FLASH } from "../src/flash.js";
import { DiffTracker } from "../src/render/diff.js";
import { html, keyed, type Rendered, renderWithComponents } from "../src/render/rendered.js";
import { ClientTree } from "../src/testing/client_tree.js";
import { defineComponent, liveComponent } from "../src/view/component.js";
import { Components } from "../src/view/components.js";
import { ViewSocket } from "../src/view/view_socket.js";
import { rootShapes, type TplShape, text, tplValue } from "./support/arbitraries.js";
import { ClientView } from "./support/client.js";

// Law: for any sequence of renders placing live components (two definitions, one that nests another,
// templates that change fingerprint, components that come and go), merging our join render and each diff
// with the official phoenix_live_view 1.2.12 client (rendered.js), the destroy handshake played as the
// client plays it, yields the HTML of a fresh render of the latest values, at every step; the harness's
// ClientTree renders the same. Shared statics (positive and negative cids) are exercised whenever two
// components of one template are sent in one diff or one is added beside one the client holds.

const Box = defineComponent<{ body: Rendered; alt: boolean }>({
  name: "Box",
  render: ({ body, alt }) => (alt ? html`<section class="alt">${body}</section>` : html`<div>${body}</div>`),
});
const Plain = defineComponent<{ label: string }>({
  name: "Plain",
  // No `myself` here: a fresh page numbers its components afresh.
  render: ({ label }) => html`<p class="plain">${label}</p>`,
});
const Outer = defineComponent<{ body: Rendered; label: string }>({
  name: "Outer",
  render: ({ id, body, label }) =>
    html`<article>${label}${liveComponent(Box, { id: `in-${id}`, body, alt: false })}</article>`,
});
const DEFS = [Box, Plain, Outer] as const;

const ROOT_A = (items: unknown[]) => html`<main>${items as Rendered[]}</main>`;
const ROOT_B = (items: unknown[]) => html`<div class="other">${items as Rendered[]}</div>`;

interface Placement {
  def: 0 | 1 | 2;
  id: number;
  body: Rendered;
  label: string;
  alt: boolean;
}
interface Step {
  root: 0 | 1;
  items: Placement[];
  handshake: "none" | "full" | "split";
}

function render(step: Step): Rendered {
  const seen = new Set<string>();
  const items: Rendered[] = [];
  for (const p of step.items) {
    const key = `${p.def}-${p.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const def = DEFS[p.def];
    const call =
      def === Box
        ? liveComponent(Box, { id: p.id, body: p.body, alt: p.alt })
        : def === Plain
          ? liveComponent(Plain, { id: p.id, label: p.label })
          : liveComponent(Outer, { id: p.id, body: p.body, label: p.label });
    items.push(keyed(key, html`<span>${call}</span>`) as unknown as Rendered);
  }
  return step.root === 0 ? ROOT_A(items) : ROOT_B(items);
}

const socket = () => new ViewSocket<any>("phx-test", true, new URL("http://localhost/"), {}, NO_FLASH);

/** What a fresh page shows for `rendered`: every component mounted and rendered from scratch. */
function fresh(rendered: Rendered): string {
  const components = new Components(socket(), "Fresh");
  return renderWithComponents(rendered, (call) => components.renderNow(call));
}

/** The client's HTML without the attributes it adds to component roots (magic ids, cid, view ref). */
function strip(h: string): string {
  return h.replace(/ data-phx-(?:id|component|view|skip)(?:="[^"]*")?/g, "");
}

/** The cids the client's tree reaches from its root: the components on its page. */
function shown(tree: Record<string, any>): Set<number> {
  const out = new Set<number>();
  const comps = tree.c ?? {};
  const walk = (node: any): void => {
    for (const [key, value] of Object.entries(node)) {
      if (key === "s" || key === "p" || key === "r" || key === "kc" || key === "stream") continue;
      if (typeof value === "number" && /^\d+$/.test(key)) {
        if (!out.has(value)) {
          out.add(value);
          walk(comps[value]);
        }
      } else if (typeof value === "object" && value !== null && key !== "c") walk(value);
    }
  };
  walk(tree);
  return out;
}

const scenario = rootShapes.chain((shapes: TplShape[]) => {
  const body = fc.oneof(...shapes.map(tplValue));
  const placement = fc.record({
    def: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    id: fc.integer({ min: 0, max: 3 }),
    body,
    label: text,
    alt: fc.boolean(),
  });
  const step = fc.record({
    root: fc.constantFrom<0 | 1>(0, 0, 0, 1),
    items: fc.array(placement, { maxLength: 5 }),
    handshake: fc.constantFrom<Step["handshake"]>("none", "full", "split"),
  });
  return fc.array(step, { minLength: 1, maxLength: 8 });
});

function replay(steps: readonly Step[]): void {
  const components = new Components(socket(), "View");
  const tracker = new DiffTracker(components);
  const first = render(steps[0]);
  const join = tracker.render(first);
  const client = new ClientView(join);
  const ours = new ClientTree();
  ours.merge(JSON.parse(JSON.stringify(join)));
  expect(strip(client.html())).toBe(fresh(first));
  expect(strip(ours.html())).toBe(strip(client.html()));
  let pending: number[] = [];
  let prev = steps[0];
  for (const step of steps.slice(1)) {
    // The destroy handshake for the previous page, as the client runs it.
    const orphans = [...Object.keys(client.tree.c ?? {})]
      .map(Number)
      .filter((c) => !shown(client.tree).has(c));
    if (prev.handshake !== "none" && orphans.length > 0) {
      client.resetRender(orphans);
      components.willDestroy(orphans);
      tracker.willDestroy(orphans);
      if (prev.handshake === "full") destroy(orphans);
      else pending = orphans;
    }
    const rendered = render(step);
    const diff = tracker.diff(rendered);
    if (diff !== null) {
      client.apply(diff);
      ours.merge(JSON.parse(JSON.stringify(diff)));
    }
    expect(strip(client.html())).toBe(fresh(rendered));
    expect(strip(ours.html())).toBe(strip(client.html()));
    if (pending.length > 0) {
      // The client destroys only those still gone after the diff that came in between.
      const still = pending.filter((c) => !shown(client.tree).has(c));
      pending = [];
      destroy(still);
    }
    prev = step;
  }

  function destroy(cids: number[]): void {
    const freed = components.destroyed(cids);
    tracker.destroyed(freed);
    client.prune(freed);
    ours.prune(freed);
  }
}

describe("live components merged by the official client", () => {
  // Hundreds of generated runs: seconds alone, far more on a loaded machine; the run count is the check.
  test("equal a fresh render of the latest values, at every step, through destroys", () => {
    fc.assert(
      fc.property(scenario, (steps) => replay(steps)),
      { numRuns: 300 },
    );
  }, 60_000);

  test("components of one template sent together share statics; a later one shares with the client's", () => {
    const components = new Components(socket(), "View");
    const tracker = new DiffTracker(components);
    const two = (ids: number[]) =>
      html`<ul>${ids.map((id) => html`<li>${liveComponent(Plain, { id, label: `L${id}` })}</li>`)}</ul>`;
    const join = tracker.render(two([1, 2]));
    const c = join.c as Record<string, Record<string, unknown>>;
    expect(Array.isArray(c[1].s)).toBe(true);
    expect(c[2].s).toBe(1);
    expect(c[1].r).toBe(1);
    const next = tracker.diff(two([1, 2, 3]))!;
    expect([-1, -2]).toContain((next.c as Record<string, Record<string, unknown>>)[3].s);
    // Only the new component travels: the others did not change.
    expect(Object.keys(next.c as object)).toEqual(["3"]);
    const client = new ClientView(join);
    client.apply(next);
    expect(strip(client.html())).toBe(fresh(two([1, 2, 3])));
  });

  test("a change inside one component sends only that component", () => {
    const components = new Components(socket(), "View");
    const tracker = new DiffTracker(components);
    const page = html`<main>${liveComponent(Plain, { id: 1, label: "a" })}${liveComponent(Plain, { id: 2, label: "b" })}</main>`;
    tracker.render(page);
    expect(components.update(Plain, 2, { label: "B" })).toBe(true);
    expect(tracker.diff(null)).toEqual({ c: { 2: { 0: "B" } } });
    expect(tracker.diff(null)).toBeNull();
  });
});
