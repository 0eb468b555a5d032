import { describe, expect, test } from "vitest";
import { decodeParams } from "../src/params.js";
import { html, renderToString } from "../src/render/rendered.js";
import { form, input, toForm } from "../src/template/form.js";
import { JS } from "../src/template/js.js";
import { link } from "../src/template/link.js";

const str = (r: Parameters<typeof renderToString>[0]) => renderToString(r);

describe("link", () => {
  test("navigate: the attributes the official client treats as live navigation", () => {
    expect(str(link({ navigate: "/rooms/1" }, "Room"))).toBe(
      '<a href="/rooms/1" data-phx-link="redirect" data-phx-link-state="push">Room</a>',
    );
    expect(str(link({ navigate: "/rooms", replace: true }, "Rooms"))).toBe(
      '<a href="/rooms" data-phx-link="redirect" data-phx-link-state="replace">Rooms</a>',
    );
  });

  test("patch: a path or a query relative to the current URL", () => {
    expect(str(link({ patch: "/items?page=2" }, "Next"))).toBe(
      '<a href="/items?page=2" data-phx-link="patch" data-phx-link-state="push">Next</a>',
    );
    expect(str(link({ patch: "?page=3", replace: true }, "3"))).toBe(
      '<a href="?page=3" data-phx-link="patch" data-phx-link-state="replace">3</a>',
    );
  });

  test("href: a plain link, its URL made safe; content and attributes escaped", () => {
    expect(str(link({ href: "https://example.com/?a=1&b=2" }, "<ex>"))).toBe(
      '<a href="https://example.com/?a=1&amp;b=2">&lt;ex&gt;</a>',
    );
    expect(str(link({ href: "javascript:alert(1)" }, "x"))).toBe('<a href="#">x</a>');
    expect(
      str(
        link(
          { navigate: "/a", attrs: { class: 'b"c', "phx-click": JS.push("go"), hidden: true, x: false } },
          "a",
        ),
      ),
    ).toBe(
      '<a href="/a" data-phx-link="redirect" data-phx-link-state="push" class="b&quot;c" phx-click="[[&quot;push&quot;,{&quot;event&quot;:&quot;go&quot;}]]" hidden>a</a>',
    );
  });

  test("mistakes throw, naming link", () => {
    expect(() => link({} as any, "x")).toThrow(/link: give exactly one of navigate, patch or href/);
    expect(() => link({ navigate: "/a", patch: "/b" } as any, "x")).toThrow(/exactly one/);
    expect(() => link({ navigate: "//evil.example" }, "x")).toThrow(/link: expected a local path/);
    expect(() => link({ patch: "/\\evil" }, "x")).toThrow(/link: expected a local path/);
    expect(() => link({ navigate: "/a", attrs: { 'x"y': "1" } }, "x")).toThrow(/not an attribute name/);
  });
});

describe("form helpers", () => {
  test("names, ids and values, nested under `as`", () => {
    const f = toForm({ for: { email: "a@b.c", age: 3 }, as: "user" });
    expect(f.field("email")).toMatchObject({ name: "user[email]", id: "user_email", value: "a@b.c" });
    expect(str(f.input("email", { type: "email", label: "Email" }))).toBe(
      '<label for="user_email">Email</label><input type="email" name="user[email]" id="user_email" value="a@b.c">',
    );
    expect(str(input(toForm({ for: { n: 'x"<' } }).field("n")))).toBe(
      '<input type="text" name="n" id="n" value="x&quot;&lt;">',
    );
  });

  test("used_input semantics: errors show only for the fields the user used", () => {
    const errors = { email: "is invalid", name: ["can't be blank", "too short"] };
    // The official client sends `_unused_<name>` beside each input the user has not used yet.
    const typed = decodeParams("user[email]=x&user[_unused_name]=&user[name]=&_target=user[email]");
    const f = toForm({ for: typed.user as Record<string, unknown>, as: "user", errors });
    expect(f.field("email")).toMatchObject({ used: true, errors: ["is invalid"] });
    expect(f.field("name")).toMatchObject({ used: false, errors: [] });
    expect(str(f.input("email"))).toBe(
      '<input type="text" name="user[email]" id="user_email" value="x" aria-invalid="true"><p class="error" data-for="user_email">is invalid</p>',
    );
    expect(str(f.input("name"))).toBe('<input type="text" name="user[name]" id="user_name" value="">');
    // A submit sends no `_unused_` keys: every field is used.
    const submitted = toForm({ for: { email: "x", name: "" }, errors });
    expect(submitted.field("name").errors).toEqual(["can't be blank", "too short"]);
    // A fresh form (no values yet) shows no errors.
    expect(toForm({ for: {}, errors }).field("email").errors).toEqual([]);
    // A nested field is used when any of its fields is.
    const nested = toForm({ for: { address: { street: "", _unused_street: "", city: "x" } } });
    expect(nested.field("address").used).toBe(true);
    expect(toForm({ for: { address: { street: "", _unused_street: "" } } }).field("address").used).toBe(
      false,
    );
  });

  test("checkbox, textarea, select", () => {
    const f = toForm({ for: { ok: "true", bio: "\nhi <b>", color: "b" } });
    expect(str(f.input("ok", { type: "checkbox" }))).toBe(
      '<input type="hidden" name="ok" value="false"><input type="checkbox" name="ok" id="ok" value="true" checked>',
    );
    expect(str(f.input("bio", { type: "textarea" }))).toBe(
      '<textarea name="bio" id="bio">\n\nhi &lt;b&gt;</textarea>',
    );
    expect(str(f.input("color", { type: "select", options: ["a", ["Bee", "b"]], prompt: "Pick" }))).toBe(
      '<select name="color" id="color"><option value="">Pick</option><option value="a">a</option><option value="b" selected>Bee</option></select>',
    );
  });

  test("form: bindings, default id from `as`, content given the form", () => {
    const out = str(
      form(
        { for: {}, as: "user", phxChange: "validate", phxSubmit: JS.push("save") },
        (f) => html`${f.input("email")}<button>Save</button>`,
      ),
    );
    expect(out).toBe(
      '<form id="user" phx-change="validate" phx-submit="[[&quot;push&quot;,{&quot;event&quot;:&quot;save&quot;}]]"><input type="text" name="user[email]" id="user_email" value=""><button>Save</button></form>',
    );
    expect(str(form({ for: {} }, "x"))).toBe("<form>x</form>");
  });

  test("mistakes throw, naming form or input", () => {
    expect(() => toForm({ for: null as any })).toThrow(/form: `for` must be an object/);
    expect(() => toForm({ for: {}, as: "a[b]" })).toThrow(/form: as must be/);
    expect(() => toForm({ for: {} }).field("a[b]")).toThrow(/not a field name/);
    expect(() => toForm({ for: {} }).input("a", { type: 'x" onfocus="y' })).toThrow(
      /input: .* is not an input type/,
    );
  });
});
