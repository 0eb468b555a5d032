import { describe, expect, test } from "vitest";
import { DiffTracker } from "../src/render/diff.js";
import { type Dynamic, html, keyed, type Rendered, raw, renderToString } from "../src/render/rendered.js";
import { ClientView } from "./support/client.js";

// Plain JSON, as the client receives it (statics arrays are the templates' frozen arrays until then).
const json = (x: unknown) => JSON.parse(JSON.stringify(x));

const counter = (n: number) => html`<div>Count: ${n} <button phx-click="inc">+</button></div>`;

describe("first render", () => {
  test("statics as s, dynamics as strings keyed 0..n-1", () => {
    const t = new DiffTracker();
    expect(json(t.render(counter(0)))).toEqual({
      0: "0",
      s: ["<div>Count: ", ' <button phx-click="inc">+</button></div>'],
    });
  });

  test("escapes text, passes raw, empties null/false, nests templates with their own statics", () => {
    const t = new DiffTracker();
    const r = html`<p title="${`"q"`}">${"<b>"}${raw("<i>x</i>")}${null}${false}${html`<span>${1}</span>`}</p>`;
    expect(json(t.render(r))).toEqual({
      0: "&quot;q&quot;",
      1: "&lt;b&gt;",
      2: "<i>x</i>",
      3: "",
      4: "",
      5: { 0: "1", s: ["<span>", "</span>"] },
      s: ['<p title="', '">', "", "", "", "", "</p>"],
    });
  });

  test("a comprehension is keyed; an empty one is an empty string", () => {
    const t = new DiffTracker();
    const list = (xs: string[]) => html`<ul>${xs.map((x) => html`<li>${x}</li>`)}</ul>`;
    expect(json(t.render(list(["a", "b"])))).toEqual({
      0: { s: ["<li>", "</li>"], k: { 0: { 0: "a" }, 1: { 0: "b" }, kc: 2 } },
      s: ["<ul>", "</ul>"],
    });
    expect(json(new DiffTracker().render(list([])))).toEqual({ 0: "", s: ["<ul>", "</ul>"] });
  });

  test("an array without templates is one concatenated, escaped string", () => {
    const t = new DiffTracker();
    expect(json(t.render(html`<p>${["a", "<", 1]}</p>`))).toEqual({ 0: "a&lt;1", s: ["<p>", "</p>"] });
  });

  test("a list of templates of different kinds uses the wrapper statics", () => {
    const t = new DiffTracker();
    const r = html`<p>${[html`<a>${"1"}</a>`, "x", html`<b>${"2"}</b>`]}</p>`;
    expect(json(t.render(r))).toEqual({
      0: {
        s: ["", ""],
        k: {
          0: { 0: { 0: "1", s: ["<a>", "</a>"] } },
          1: { 0: "x" },
          2: { 0: { 0: "2", s: ["<b>", "</b>"] } },
          kc: 3,
        },
      },
      s: ["<p>", "</p>"],
    });
  });

  test("title and events ride at the top level", () => {
    const t = new DiffTracker();
    const out = json(t.render(counter(0), { title: "Home", events: [["hello", { a: 1 }]] }));
    expect(out.t).toBe("Home");
    expect(out.e).toEqual([["hello", { a: 1 }]]);
  });
});

describe("diffs", () => {
  test("an unchanged render produces no diff", () => {
    const t = new DiffTracker();
    const page = (n: number, xs: string[]) =>
      html`<main>${n}${html`<h1>${"t"}</h1>`}${xs.map((x) => keyed(x, html`<li>${x}</li>`))}${null}</main>`;
    t.render(page(1, ["a", "b"]));
    expect(t.diff(page(1, ["a", "b"]))).toBeNull();
    expect(t.diff(page(1, ["a", "b"]), { title: undefined, events: [] })).toBeNull();
  });

  test("only changed dynamics are sent", () => {
    const t = new DiffTracker();
    t.render(counter(0));
    expect(json(t.diff(counter(1)))).toEqual({ 0: "1" });
    expect(t.diff(counter(1))).toBeNull();
  });

  test("unchanged nested templates are pruned; changed ones send only their changes", () => {
    const t = new DiffTracker();
    const card = (title: string, body: string) => html`<h2>${title}</h2><p>${body}</p>`;
    const page = (a: string, b: string, c: string) => html`<div>${card(a, b)}${c}</div>`;
    t.render(page("A", "B", "C"));
    expect(json(t.diff(page("A", "B", "C2")))).toEqual({ 1: "C2" });
    expect(json(t.diff(page("A", "B2", "C2")))).toEqual({ 0: { 1: "B2" } });
  });

  test("a different template at a position is sent whole, with its statics", () => {
    const t = new DiffTracker();
    const page = (on: boolean) => html`<div>${on ? html`<b>${"on"}</b>` : html`<i>${"off"}</i>`}</div>`;
    t.render(page(false));
    expect(json(t.diff(page(true)))).toEqual({ 0: { 0: "on", s: ["<b>", "</b>"] } });
    expect(t.diff(page(true))).toBeNull();
  });

  test("a template replaced by text, and back", () => {
    const t = new DiffTracker();
    const page = (v: Dynamic) => html`<div>${v}</div>`;
    t.render(page(html`<b>${"x"}</b>`));
    expect(json(t.diff(page(null)))).toEqual({ 0: "" });
    expect(t.diff(page(false))).toBeNull();
    expect(json(t.diff(page(html`<b>${"x"}</b>`)))).toEqual({ 0: { 0: "x", s: ["<b>", "</b>"] } });
  });

  test("raw values compare by their HTML", () => {
    const t = new DiffTracker();
    const page = (h: string) => html`<div>${raw(h)}</div>`;
    t.render(page("<br>"));
    expect(t.diff(page("<br>"))).toBeNull();
    expect(json(t.diff(page("<hr>")))).toEqual({ 0: "<hr>" });
  });

  test("a root template change re-sends everything", () => {
    const t = new DiffTracker();
    t.render(counter(0));
    expect(json(t.diff(html`<p>${"x"}</p>`))).toEqual({ 0: "x", s: ["<p>", "</p>"] });
  });

  test("diff before any render is a full render", () => {
    expect(json(new DiffTracker().diff(counter(3)))).toEqual({
      0: "3",
      s: ["<div>Count: ", ' <button phx-click="inc">+</button></div>'],
    });
  });

  test("title is sent only when it changes; events every time they are given", () => {
    const t = new DiffTracker();
    t.render(counter(0), { title: "A" });
    expect(t.diff(counter(0), { title: "A" })).toBeNull();
    expect(json(t.diff(counter(0), { title: "B" }))).toEqual({ t: "B" });
    expect(json(t.diff(counter(1), { title: "B", events: [["ping", {}, true]] }))).toEqual({
      0: "1",
      e: [["ping", {}, true]],
    });
  });
});

describe("comprehension diffs", () => {
  const li = (x: { id: number; name: string }) => html`<li>${x.name}</li>`;
  const list = (xs: { id: number; name: string }[]) => html`<ul>${xs.map((x) => keyed(x.id, li(x)))}</ul>`;
  const plain = (xs: string[]) => html`<ul>${xs.map((x) => html`<li>${x}</li>`)}</ul>`;
  const a = { id: 1, name: "a" };
  const b = { id: 2, name: "b" };
  const c = { id: 3, name: "c" };

  test("an entry changed in place sends only its changed dynamics", () => {
    const t = new DiffTracker();
    t.render(list([a, b, c]));
    expect(json(t.diff(list([a, { id: 2, name: "B" }, c])))).toEqual({ 0: { k: { 1: { 0: "B" }, kc: 3 } } });
  });

  test("appending sends the new entries in full", () => {
    const t = new DiffTracker();
    t.render(list([a]));
    expect(json(t.diff(list([a, b])))).toEqual({ 0: { k: { 1: { 0: "b" }, kc: 2 } } });
  });

  test("deleting from the end only lowers kc", () => {
    const t = new DiffTracker();
    t.render(list([a, b, c]));
    expect(json(t.diff(list([a, b])))).toEqual({ 0: { k: { kc: 2 } } });
  });

  test("deleting from the front moves the rest", () => {
    const t = new DiffTracker();
    t.render(list([a, b, c]));
    expect(json(t.diff(list([b, c])))).toEqual({ 0: { k: { 0: 1, 1: 2, kc: 2, km: true } } });
  });

  test("a moved, unchanged entry is its old index; moved and changed is [oldIdx, diff]", () => {
    const t = new DiffTracker();
    t.render(list([a, b, c]));
    expect(json(t.diff(list([c, { id: 1, name: "A" }, b])))).toEqual({
      0: { k: { 0: 2, 1: [0, { 0: "A" }], 2: 1, kc: 3, km: true } },
    });
  });

  test("an inserted entry in front: new entry in full, others moved", () => {
    const t = new DiffTracker();
    t.render(list([a, b]));
    expect(json(t.diff(list([c, a, b])))).toEqual({
      0: { k: { 0: { 0: "c" }, 1: 0, 2: 1, kc: 3, km: true } },
    });
  });

  test("unkeyed entries match by index", () => {
    const t = new DiffTracker();
    t.render(plain(["a", "b", "c"]));
    expect(json(t.diff(plain(["b", "c"])))).toEqual({ 0: { k: { 0: { 0: "b" }, 1: { 0: "c" }, kc: 2 } } });
  });

  test("emptied list is kc 0, and refilling it needs no statics", () => {
    const t = new DiffTracker();
    t.render(list([a, b]));
    expect(json(t.diff(list([])))).toEqual({ 0: { k: { kc: 0 } } });
    expect(t.diff(list([]))).toBeNull();
    expect(json(t.diff(list([c])))).toEqual({ 0: { k: { 0: { 0: "c" }, kc: 1 } } });
  });

  test("a list that starts empty is sent with its statics once it has entries", () => {
    const t = new DiffTracker();
    t.render(list([]));
    expect(json(t.diff(list([a])))).toEqual({ 0: { s: ["<li>", "</li>"], k: { 0: { 0: "a" }, kc: 1 } } });
  });

  test("duplicate keys never share an old entry", () => {
    const t = new DiffTracker();
    t.render(list([a, b]));
    const d = json(t.diff(list([b, b, a])));
    expect(d).toEqual({ 0: { k: { 0: 1, 1: { 0: "b" }, 2: 0, kc: 3, km: true } } });
  });
});

describe("the official client merges our diffs into our dead render", () => {
  test("a scripted session", () => {
    type Item = { id: number; name: string; tags: string[] };
    const page = (title: string, items: Item[], note: Dynamic) =>
      html`<main><h1>${title}</h1><ul>${items.map((i) =>
        keyed(i.id, html`<li id="${i.id}">${i.name}${i.tags.map((t) => html`<em>${t}</em>`)}</li>`),
      )}</ul>${note}</main>`;
    const steps: Rendered[] = [
      page("T", [{ id: 1, name: "one", tags: ["x"] }], null),
      page(
        "T<",
        [
          { id: 1, name: "one", tags: [] },
          { id: 2, name: "two", tags: ["y", "z"] },
        ],
        raw("<hr>"),
      ),
      page(
        "T<",
        [
          { id: 2, name: "two!", tags: ["z"] },
          { id: 1, name: "one", tags: ["q"] },
        ],
        "note",
      ),
      page("T<", [], html`<b>${"done"}</b>`),
      page("T<", [{ id: 3, name: "3", tags: [] }], html`<b>${"done"}</b>`),
    ];
    const t = new DiffTracker();
    const client = new ClientView(t.render(steps[0]));
    expect(client.html()).toBe(renderToString(steps[0]));
    for (const step of steps.slice(1)) {
      const d = t.diff(step);
      if (d !== null) client.apply(d);
      expect(client.html()).toBe(renderToString(step));
    }
  });
});
