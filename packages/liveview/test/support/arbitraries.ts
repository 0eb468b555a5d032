import fc from "fast-check";
import { type Dynamic, keyed, Rendered, raw } from "../../src/render/rendered.js";

// Random templates are described by a shape (statics arrays created once, so their identity works as a
// fingerprint across steps, as a template call site's does) from which any number of renders is drawn.

export interface TplShape {
  statics: TemplateStringsArray;
  slots: SlotShape[];
}

export type SlotShape =
  | { t: "leaf" }
  | { t: "strings" }
  | { t: "choice"; options: TplShape[] }
  | { t: "list"; options: TplShape[]; keys: "none" | "unique" | "dups" | "mixed"; extras: boolean };

/** A stand-in for the strings array of a template call site. */
export function makeStatics(parts: readonly string[]): TemplateStringsArray {
  return Object.freeze(Object.assign([...parts], { raw: Object.freeze([...parts]) })) as TemplateStringsArray;
}

/** Text with every HTML special character, from a small pool so that values often repeat. */
export const text: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom("", "a", "b", "<b>", "&amp;", `"'`, "<script>alert(1)</script>", "é🚀"),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 6, unit: fc.constantFrom("a", "<", ">", "&", '"', "'", " ") }),
  },
);

export const leaf: fc.Arbitrary<Dynamic> = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: fc.constantFrom<Dynamic>(0, 1, -2.5, 10n, null, undefined, false, true) },
  { weight: 1, arbitrary: text.map(raw) },
);

const staticPart = fc.constantFrom("", " ", "<p>", "</p>", '<li class="x">', "</li>", "&nbsp;", "s");

const shapes = fc.letrec<{ tpl: TplShape; slot: SlotShape }>((tie) => ({
  tpl: fc
    .tuple(fc.array(tie("slot"), { maxLength: 4 }), fc.array(staticPart, { minLength: 5, maxLength: 5 }))
    .map(([slots, parts]) => ({ statics: makeStatics(parts.slice(0, slots.length + 1)), slots })),
  slot: fc.oneof(
    { maxDepth: 3, depthIdentifier: "shape", depthSize: "small" },
    fc.constant<SlotShape>({ t: "leaf" }),
    fc.constant<SlotShape>({ t: "strings" }),
    fc.record({
      t: fc.constant("choice" as const),
      options: fc.array(tie("tpl"), { minLength: 1, maxLength: 3 }),
    }),
    // Lists weigh more: their keyed moves are the subtle part of the format.
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant("list" as const),
        options: fc.array(tie("tpl"), { minLength: 1, maxLength: 2 }),
        keys: fc.constantFrom("none" as const, "unique" as const, "dups" as const, "mixed" as const),
        extras: fc.boolean(),
      }),
    },
  ),
}));

/** Root template shapes: one, or two so that the root fingerprint can change between steps. */
export const rootShapes: fc.Arbitrary<TplShape[]> = fc.array(shapes.tpl, { minLength: 1, maxLength: 2 });

export function tplValue(shape: TplShape): fc.Arbitrary<Rendered> {
  return fc.tuple(...shape.slots.map(slotValue)).map((dynamics) => new Rendered(shape.statics, dynamics));
}

function slotValue(slot: SlotShape): fc.Arbitrary<Dynamic> {
  switch (slot.t) {
    case "leaf":
      return leaf;
    case "strings":
      return fc.array(leaf, { maxLength: 3 });
    case "choice":
      return fc.oneof(fc.constantFrom(null, false), ...slot.options.map(tplValue));
    case "list":
      return listValue(slot);
  }
}

function listValue(slot: Extract<SlotShape, { t: "list" }>): fc.Arbitrary<Dynamic> {
  const templates = fc.oneof(...slot.options.map(tplValue));
  const item: fc.Arbitrary<Dynamic> = slot.extras
    ? fc.oneof(
        { weight: 4, arbitrary: templates },
        { weight: 1, arbitrary: leaf },
        { weight: 1, arbitrary: fc.array(templates, { maxLength: 2 }) },
      )
    : templates;
  // Keys from a small pool, as numbers or strings (the same key either way), so entries move around.
  const key = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()).map(([k, s]) => (s ? String(k) : k));
  return fc.array(fc.tuple(item, key, fc.boolean()), { maxLength: 5 }).map((entries) => {
    const seen = new Set<string>();
    const out: Dynamic[] = [];
    for (const [value, k, coin] of entries) {
      const wantKey = slot.keys === "mixed" ? coin : slot.keys !== "none";
      if (!wantKey || !(value instanceof Rendered)) {
        out.push(value);
        continue;
      }
      if (slot.keys === "unique") {
        if (seen.has(String(k))) continue;
        seen.add(String(k));
      }
      out.push(keyed(k, value));
    }
    return out;
  });
}

const LIST_ROOT = makeStatics(["<ul>", "</ul>", ""]);

/**
 * Renders of one list whose entries are drawn, reordered and subsetted, from a fixed pool: consecutive
 * steps share entries at new positions, so moves (changed or not), inserts and deletes are frequent. A
 * key can appear in the pool with different contents (moved and changed; duplicates within a render).
 */
export const listSteps: fc.Arbitrary<Rendered[]> = shapes.tpl.chain((entryShape) => {
  const entry = tplValue(entryShape);
  const pool = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), entry), { minLength: 1, maxLength: 8 });
  return fc.tuple(pool, fc.boolean()).chain(([pool, useKeys]) => {
    const items = pool.map(([k, r]) => (useKeys ? keyed(k, r) : r));
    const step = fc
      .tuple(fc.shuffledSubarray(items), leaf)
      .map(([xs, x]) => new Rendered(LIST_ROOT, [xs, x]));
    return fc.array(step, { minLength: 1, maxLength: 8 });
  });
});
