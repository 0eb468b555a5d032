import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DiffTracker } from "../src/render/diff.js";
import { type Dynamic, html, Keyed, keyed, Rendered, raw, renderToString } from "../src/render/rendered.js";
import { locateTemplateError } from "../src/render/template_position.js";
import { TemplateValueError } from "../src/render/template_value.js";
import { rootShapes, tplValue } from "./support/arbitraries.js";

// Laws: (1) a tree of accepted values renders, dead and diffed, and never shows "[object "; (2) the same
// tree with one value a template cannot take, anywhere in it (a dynamic, a list entry, deep inside), fails
// both renders with a TypeError, and the located error names the view and the innermost template that held
// the value.

class NoToString {}
const bads: readonly (() => unknown)[] = [
  () => ({ id: 1, name: "x" }),
  () => Object.create(null),
  () => Promise.resolve("later"),
  () => function loadItems() {},
  () => Symbol("s"),
  () => new NoToString(),
  () => new Map([[1, 2]]),
  // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise must be refused too
  () => ({ then: () => {} }),
];

/** Every place a value can sit in `r`'s tree: a template's dynamic or a list's entry. */
interface Site {
  /** Replaces the value at this site with `v`, in a copy of the tree. */
  put(v: unknown): Rendered;
  /** How the located message starts to name the site: `dynamic 1 of ` or `entry 0 of the list, in dynamic 1 of `. */
  named: string;
}

function sites(root: Rendered): Site[] {
  const out: Site[] = [];
  const walk = (r: Rendered, rebuild: (r2: Rendered) => Rendered) => {
    r.dynamics.forEach((d, i) => {
      const withAt = (v: unknown) => {
        const ds = [...r.dynamics];
        ds[i] = v as Dynamic;
        return rebuild(new Rendered(r.statics, ds));
      };
      const named = `dynamic ${i} of `;
      out.push({ put: withAt, named });
      walkValue(d, withAt, named);
    });
  };
  const walkValue = (d: Dynamic, rebuild: (v: unknown) => Rendered, named: string) => {
    if (d instanceof Rendered) walk(d, rebuild);
    else if (d instanceof Keyed) walk(d.rendered, (r2) => rebuild(keyed(d.key, r2)));
    else if (Array.isArray(d)) {
      d.forEach((item, j) => {
        const withAt = (v: unknown) => {
          const xs = [...d];
          xs[j] = v as Dynamic;
          return rebuild(xs);
        };
        const entry = `entry ${j} of the list, in ${named}`;
        out.push({ put: withAt, named: entry });
        // A template inside the entry is named on its own (its dynamics are the innermost place).
        walkValue(item, withAt, entry);
      });
    }
  };
  walk(root, (r) => r);
  return out;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

const trees = rootShapes.chain((roots) => tplValue(roots[0]));

describe("what a template accepts", () => {
  test("law: accepted values render, dead and diffed, and never print [object", () => {
    fc.assert(
      fc.property(trees, trees, (a, b) => {
        expect(renderToString(a)).not.toContain("[object ");
        const t = new DiffTracker();
        expect(JSON.stringify(t.render(a))).not.toContain("[object ");
        expect(JSON.stringify(t.diff(b) ?? {})).not.toContain("[object ");
      }),
      { numRuns: 300 },
    );
  });

  test("law: one bad value anywhere fails both renders with a TypeError naming the view and its template", () => {
    const withBad = trees
      .filter((r) => sites(r).length > 0)
      .chain((r) =>
        fc.tuple(fc.constant(r), fc.nat(sites(r).length - 1), fc.nat(bads.length - 1), fc.boolean()),
      );
    fc.assert(
      fc.property(withBad, ([good, at, which, diffFromGood]) => {
        const site = sites(good)[at];
        const value = bads[which]();
        const bad = site.put(value);
        const dead = thrown(() => renderToString(bad));
        expect(dead).toBeInstanceOf(TypeError);
        expect(dead).toBeInstanceOf(TemplateValueError);
        const tracker = new DiffTracker();
        if (diffFromGood) tracker.render(good);
        const live = thrown(() => (diffFromGood ? tracker.diff(bad) : tracker.render(bad)));
        expect(live).toBeInstanceOf(TemplateValueError);
        const located = locateTemplateError(live, "TodoView", bad) as TypeError;
        expect(located).toBeInstanceOf(TypeError);
        expect(located.message.startsWith("TodoView: cannot interpolate ")).toBe(true);
        // The innermost place is named first: the dynamic of its template, or the entry of its list.
        expect(located.message).toContain(` into a template at ${site.named}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe("template values, one by one", () => {
  const fails = (v: unknown) => thrown(() => renderToString(html`<p>${v as Dynamic}</p>`));

  test("each kind that cannot render says what it is and what to do", () => {
    expect((fails(Promise.resolve(1)) as Error).message).toMatch(
      /^cannot interpolate a Promise into a template \(await it in mount or a handler and assign the result\); a template takes strings/,
    );
    expect((fails({ id: 1, title: "t" }) as Error).message).toContain("a plain object ({ id, title })");
    expect((fails(function load() {}) as Error).message).toContain("a function (load) into a template");
    expect((fails(Symbol("k")) as Error).message).toContain("a symbol (Symbol(k))");
    expect((fails(new NoToString()) as Error).message).toContain("an object (NoToString) with no toString");
    expect((fails([html`<i></i>`, { a: 1 }]) as Error).message).toContain("a plain object ({ a })");
  });

  test("accepted values render as before; an object with its own toString renders as that string", () => {
    const when = new Date(0);
    const out = renderToString(
      html`${"<a>"}|${1}|${2n}|${null}|${undefined}|${true}|${false}|${raw("<b>")}|${["x", 1, [html`<i>${"y"}</i>`]]}|${keyed(1, html`k`)}|${when as unknown as Dynamic}|${new URL("https://e.x/?a=<") as unknown as Dynamic}`,
    );
    expect(out).toBe(`&lt;a&gt;|1|2|||||<b>|x1<i>y</i>|k|${String(when)}|https://e.x/?a=%3C`);
  });

  test("the located message names the view and the nested place, innermost first", () => {
    const items = [html`<li>${"a"}</li>`, html`<li>${Promise.resolve(0) as unknown as Dynamic}</li>`];
    const root = html`<h1>Todos</h1><ul>${items}</ul>`;
    const err = locateTemplateError(
      thrown(() => renderToString(root)),
      "TodoView",
      root,
    ) as Error;
    expect(err.message).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the template's placeholder
      'TodoView: cannot interpolate a Promise into a template at dynamic 0 of "<li>${…}</li>", in entry 1 of the list, in dynamic 0 of "<h1>Todos</h1><ul>${…}</ul>" (await it in mount or a handler and assign the result); a template takes strings, numbers, bigints, null/undefined/booleans (render nothing), html`...` templates, raw(...), keyed(...), and arrays of these',
    );
    const other = new Error("x");
    expect(locateTemplateError(other, "V", root)).toBe(other);
  });
});
