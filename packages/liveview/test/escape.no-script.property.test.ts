import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DiffTracker } from "../src/render/diff.js";
import { escapeHtml } from "../src/render/escape.js";
import { html, keyed, renderToString } from "../src/render/rendered.js";
import { ClientView } from "./support/client.js";

// Law: no string, however hostile, becomes markup. Whatever the text, the rendered HTML (dead render,
// and the client's merge of our diffs) contains no `<script` and exactly the statics' tags.

const hostile = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.constantFrom(
      "<",
      ">",
      "/",
      "&",
      '"',
      "'",
      "=",
      " ",
      "script",
      "SCRIPT",
      "ScRiPt",
      "img",
      "on",
      "x",
    ),
  }),
  fc
    .tuple(fc.string(), fc.constantFrom("<script>", "</script>", "<script src=x>", "<ScRiPt/>", '"><script>'))
    .map(([a, b]) => a + b + a),
);

const unescapeHtml = (s: string) =>
  s.replace(
    /&(lt|gt|quot|#39|amp);/g,
    (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!,
  );

describe("escaping", () => {
  test("leaves no markup character and round-trips", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(unescapeHtml(e)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  test("returns its input itself when there is nothing to escape", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        fc.pre(!/[&<>"']/.test(s));
        expect(escapeHtml(s)).toBe(s);
      }),
    );
  });

  test("never lets a <script> element into a page, dead or live", () => {
    const page = (a: string, b: string, xs: string[]) =>
      html`<div title="${a}" data-x='${b}'>${a}${xs}<ul>${xs.map((x) => keyed(x, html`<li>${x}</li>`))}</ul></div>`;
    const count = (h: string, c: string) => h.split(c).length - 1;
    fc.assert(
      fc.property(hostile, hostile, fc.array(hostile, { maxLength: 3 }), hostile, (a, b, xs, c) => {
        const dead = renderToString(page(a, b, xs));
        expect(dead.toLowerCase()).not.toContain("<script");
        const tracker = new DiffTracker();
        const client = new ClientView(tracker.render(page(c, c, [c])));
        const diff = tracker.diff(page(a, b, xs));
        if (diff !== null) client.apply(diff);
        expect(client.html()).toBe(dead);
        // Every tag comes from the statics: four around the list, two per entry.
        expect(count(dead, "<")).toBe(4 + 2 * xs.length);
        expect(count(dead, ">")).toBe(4 + 2 * xs.length);
      }),
      { numRuns: 500 },
    );
  });
});
