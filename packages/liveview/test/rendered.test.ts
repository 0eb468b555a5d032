import { describe, expect, test } from "vitest";
import {
  html,
  Keyed,
  keyed,
  Rendered,
  raw,
  renderDynamic,
  renderToString,
  Safe,
} from "../src/render/rendered.js";

describe("html templates", () => {
  test("captures statics and dynamics; statics identity is per call site", () => {
    const view = (n: number) => html`<p>${n}</p>`;
    const a = view(1);
    const b = view(2);
    expect(a).toBeInstanceOf(Rendered);
    expect([...a.statics]).toEqual(["<p>", "</p>"]);
    expect(a.dynamics).toEqual([1]);
    expect(a.statics).toBe(b.statics);
    expect(html`<p>${1}</p>`.statics).not.toBe(a.statics);
  });

  test("escapes text, numbers and bigints render as is", () => {
    expect(renderToString(html`<p>${"<b>&"}${1.5}${10n}</p>`)).toBe("<p>&lt;b&gt;&amp;1.510</p>");
  });

  test("attribute values are escaped, including both quote characters", () => {
    const v = `" onclick='x'`;
    expect(html`<a class="${v}"></a>`.toString()).toBe(`<a class="&quot; onclick=&#39;x&#39;"></a>`);
  });

  test("raw() inserts trusted HTML unescaped", () => {
    const safe = raw("<em>hi</em>");
    expect(safe).toBeInstanceOf(Safe);
    expect(html`<p>${safe}</p>`.toString()).toBe("<p><em>hi</em></p>");
  });

  test("null, undefined, false and true render as nothing", () => {
    expect(html`[${null}|${undefined}|${false}|${true}]`.toString()).toBe("[|||]");
    const on = false;
    expect(html`<p>${on && html`<b>on</b>`}</p>`.toString()).toBe("<p></p>");
  });

  test("nested templates", () => {
    const inner = (t: string) => html`<span>${t}</span>`;
    expect(html`<div>${inner("<x>")}${inner("y")}</div>`.toString()).toBe(
      "<div><span>&lt;x&gt;</span><span>y</span></div>",
    );
  });

  test("comprehensions, keyed or not", () => {
    const items = [
      { id: 1, name: "a&b" },
      { id: 2, name: "c" },
    ];
    const li = (name: string) => html`<li>${name}</li>`;
    expect(html`<ul>${items.map((i) => li(i.name))}</ul>`.toString()).toBe(
      "<ul><li>a&amp;b</li><li>c</li></ul>",
    );
    const k = keyed(1, li("a"));
    expect(k).toBeInstanceOf(Keyed);
    expect(html`<ul>${items.map((i) => keyed(i.id, li(i.name)))}</ul>`.toString()).toBe(
      "<ul><li>a&amp;b</li><li>c</li></ul>",
    );
  });

  test("an array of strings renders as the escaped strings, concatenated", () => {
    expect(html`<p>${["a", "<", "b", 1, null, raw("<br>")]}</p>`.toString()).toBe("<p>a&lt;b1<br></p>");
    expect(html`<p>${[]}</p>`.toString()).toBe("<p></p>");
  });

  test("dead render of a whole page", () => {
    const page = (title: string, items: string[]) =>
      html`<main><h1 class="${title ? "t" : null}">${title}</h1>${
        items.length > 0 ? html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>` : html`<p>empty</p>`
      }</main>`;
    expect(renderToString(page("A & B", ["x", "y"]))).toBe(
      `<main><h1 class="t">A &amp; B</h1><ul><li>x</li><li>y</li></ul></main>`,
    );
    expect(String(page("", []))).toBe(`<main><h1 class=""></h1><p>empty</p></main>`);
  });

  test("renderDynamic renders a single value", () => {
    expect(renderDynamic("<")).toBe("&lt;");
    expect(renderDynamic(html`<i>${"x"}</i>`)).toBe("<i>x</i>");
    expect(renderDynamic(null)).toBe("");
  });
});
