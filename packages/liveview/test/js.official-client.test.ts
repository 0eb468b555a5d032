import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { html, renderToString } from "../src/render/rendered.js";
import { JS } from "../src/template/js.js";

// Our JS chains checked against the official client's own js.js (phoenix_live_view 1.2.12): the attribute
// a template renders is parsed and run by the client's `JS.exec`, with each `exec_<kind>` handler replaced
// by a recorder, so we see that every operation reaches a handler with exactly the arguments we built.
// A second check reads the handlers' parameter lists from the client's source: every key we send is one
// the handler reads (or `to`, which the client's `filterToEls` reads).

const main = createRequire(import.meta.url).resolve("phoenix_live_view");
const file = join(dirname(main), "../../assets/js/phoenix_live_view/js.js");
const source = readFileSync(file, "utf8");
const ClientJS = ((await import(/* @vite-ignore */ file)) as { default: Record<string, any> }).default;

interface Call {
  kind: string;
  args: Record<string, unknown>;
  el: unknown;
}

/** Decodes what our escaping emits, as an HTML parser reads an attribute value. */
function attributeValue(rendered: string): string {
  const m = /phx-click="([^"]*)"/.exec(rendered);
  if (m === null) throw new Error(`no phx-click in ${rendered}`);
  return m[1]
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

/** Runs `js`, as rendered into a `phx-click`, through the client's JS.exec; returns the handler calls. */
function runInClient(js: JS): Call[] {
  const encoded = attributeValue(renderToString(html`<button phx-click="${js}">x</button>`));
  const calls: Call[] = [];
  const kinds = Object.keys(ClientJS).filter((k) => k.startsWith("exec_") && k !== "exec");
  const saved = new Map(kinds.map((k) => [k, ClientJS[k]]));
  const sourceEl = { id: "source" };
  const targetEl = { id: "target" };
  const view = {
    liveSocket: {
      // The client resolves `to` through the live socket; any target resolves to one element here.
      jsQuerySelectorAll: (_src: unknown, _to: unknown, _query: unknown) => [targetEl],
    },
  };
  try {
    for (const k of kinds) {
      ClientJS[k] = (
        _e: unknown,
        _t: unknown,
        _p: unknown,
        _v: unknown,
        _s: unknown,
        el: unknown,
        args: any,
      ) => calls.push({ kind: k.slice(5), args, el });
    }
    ClientJS.exec({}, "click", encoded, view, sourceEl);
  } finally {
    for (const [k, fn] of saved) ClientJS[k] = fn;
  }
  return calls;
}

/** The keys each `exec_<kind>` handler of the client reads from its args. */
function keysRead(kind: string): string[] {
  const at = source.indexOf(`  exec_${kind}(`);
  if (at < 0) return [];
  let depth = 0;
  let i = source.indexOf("(", at);
  const start = i + 1;
  for (; i < source.length; i++) {
    if (source[i] === "(") depth++;
    else if (source[i] === ")" && --depth === 0) break;
  }
  const params = source.slice(start, i);
  const last = params.slice(params.lastIndexOf("el,") + 3).trim();
  let destructured = last;
  if (last.replace(/,\s*$/, "") === "args") {
    const body = source.slice(i, source.indexOf("\n  },", i));
    destructured = /const\s*(\{[^}]*\})\s*=\s*args/.exec(body)?.[1] ?? "{}";
  }
  if (!destructured.startsWith("{")) return [];
  const flat = destructured.slice(1, destructured.lastIndexOf("}")).replace(/\[[^\]]*\]/g, "");
  return flat
    .split(",")
    .map((s) => s.split(":")[0].trim())
    .filter((s) => s !== "");
}

const cases: [string, JS, [string, Record<string, unknown>][]][] = [
  [
    "push with every option",
    JS.push("inc", {
      value: { by: 2, note: `"quoted" <b>&'` },
      target: "#counter",
      loading: ".thermo",
      pageLoading: true,
    }),
    [
      [
        "push",
        {
          event: "inc",
          value: { by: 2, note: `"quoted" <b>&'` },
          target: "#counter",
          loading: ".thermo",
          page_loading: true,
        },
      ],
    ],
  ],
  ["push to a component", JS.push("save", { target: 3 }), [["push", { event: "save", target: 3 }]]],
  [
    "push to a component's myself",
    JS.push("save", { target: { cid: 7 } }),
    [["push", { event: "save", target: 7 }]],
  ],
  [
    "show",
    JS.show({ to: "#a", display: "flex", time: 300 }),
    [["show", { to: "#a", display: "flex", time: 300 }]],
  ],
  [
    "hide with a three-part transition",
    JS.hide({ to: { closest: ".modal" }, transition: ["ease-out duration-300", "opacity-100", "opacity-0"] }),
    [
      [
        "hide",
        {
          to: { closest: ".modal" },
          transition: [["ease-out", "duration-300"], ["opacity-100"], ["opacity-0"]],
        },
      ],
    ],
  ],
  [
    "toggle",
    JS.toggle({ to: { inner: ".menu" }, in: "fade-in", out: "fade-out", blocking: false }),
    [
      [
        "toggle",
        { to: { inner: ".menu" }, ins: [["fade-in"], [], []], outs: [["fade-out"], [], []], blocking: false },
      ],
    ],
  ],
  ["addClass", JS.addClass("a  b", { to: "#x" }), [["add_class", { to: "#x", names: ["a", "b"] }]]],
  ["removeClass", JS.removeClass("a"), [["remove_class", { names: ["a"] }]]],
  [
    "toggleClass",
    JS.toggleClass("on", { transition: "flash", time: 50 }),
    [["toggle_class", { names: ["on"], transition: [["flash"], [], []], time: 50 }]],
  ],
  [
    "transition",
    JS.transition("shake", { to: "#x" }),
    [["transition", { to: "#x", transition: [["shake"], [], []] }]],
  ],
  [
    "setAttribute",
    JS.setAttribute("aria-expanded", "true"),
    [["set_attr", { attr: ["aria-expanded", "true"] }]],
  ],
  [
    "removeAttribute",
    JS.removeAttribute("disabled", { to: "#b" }),
    [["remove_attr", { to: "#b", attr: "disabled" }]],
  ],
  [
    "toggleAttribute with one value",
    JS.toggleAttribute("open", "true"),
    [["toggle_attr", { attr: ["open", "true"] }]],
  ],
  [
    "toggleAttribute with two values",
    JS.toggleAttribute("aria-expanded", "true", "false"),
    [["toggle_attr", { attr: ["aria-expanded", "true", "false"] }]],
  ],
  [
    "ignoreAttributes",
    JS.ignoreAttributes(["open", "data-*"]),
    [["ignore_attrs", { attrs: ["open", "data-*"] }]],
  ],
  [
    "dispatch",
    JS.dispatch("app:copy", { to: "#text", detail: { n: 1 }, bubbles: false }),
    [["dispatch", { event: "app:copy", to: "#text", detail: { n: 1 }, bubbles: false }]],
  ],
  ["exec", JS.exec("phx-remove", { to: "#modal" }), [["exec", { attr: "phx-remove", to: "#modal" }]]],
  ["focus", JS.focus({ to: "#name" }), [["focus", { to: "#name" }]]],
  ["focusFirst", JS.focusFirst(), [["focus_first", {}]]],
  [
    "pushFocus and popFocus",
    JS.pushFocus().popFocus(),
    [
      ["push_focus", {}],
      ["pop_focus", {}],
    ],
  ],
  [
    "navigate",
    JS.navigate("/rooms/1", { replace: true }),
    [["navigate", { href: "/rooms/1", replace: true }]],
  ],
  ["patch", JS.patch("/items?page=2"), [["patch", { href: "/items?page=2", replace: false }]]],
  [
    "a chain, in order",
    JS.push("inc").hide({ to: "#help" }).addClass("busy"),
    [
      ["push", { event: "inc" }],
      ["hide", { to: "#help" }],
      ["add_class", { names: ["busy"] }],
    ],
  ],
];

describe("JS commands, run by the official client's JS.exec", () => {
  test.each(cases)("%s", (_name, js, expected) => {
    const calls = runInClient(js);
    expect(calls.map((c) => [c.kind, c.args])).toEqual(expected);
    for (const c of calls) {
      // A command with `to` acts on what the client's selector lookup returned, else on the clicked element.
      expect((c.el as { id: string }).id).toBe("to" in c.args ? "target" : "source");
      const read = keysRead(c.kind);
      expect(
        read.length > 0 || Object.keys(c.args).every((k) => k === "to"),
        `client has exec_${c.kind}`,
      ).toBe(true);
      for (const key of Object.keys(c.args))
        if (key !== "to") expect(read, `exec_${c.kind} reads ${key}`).toContain(key);
    }
  });

  test("the source check reads the handlers' parameters (so the key checks above can fail)", () => {
    expect(keysRead("push")).toEqual(
      expect.arrayContaining(["event", "value", "target", "loading", "page_loading"]),
    );
    expect(keysRead("push")).not.toContain("pageLoading");
    expect(keysRead("toggle_attr")).toEqual(["attr"]);
    expect(keysRead("show")).toEqual(["display", "transition", "time", "blocking"]);
  });

  test("the client runs every operation kind we can build", () => {
    const kinds = new Set(cases.flatMap(([, , ops]) => ops.map(([k]) => k)));
    for (const k of kinds) expect(typeof ClientJS[`exec_${k}`], k).toBe("function");
  });

  test("a chain is immutable: extending a shared chain leaves it as it was", () => {
    const base = JS.push("a");
    const one = base.hide();
    const two = base.show();
    expect(base.ops).toHaveLength(1);
    expect(one.ops.map(([k]) => k)).toEqual(["push", "hide"]);
    expect(two.ops.map(([k]) => k)).toEqual(["push", "show"]);
    expect(JSON.stringify(base.concat(two))).toBe(JSON.stringify([...base.ops, ...two.ops]));
    expect(JSON.stringify(JS.none())).toBe("[]");
    expect(Object.isFrozen(one.ops) && Object.isFrozen(one.ops[1][1])).toBe(true);
  });

  test("in a template the JSON is escaped: nothing a value holds can end the attribute", () => {
    const out = renderToString(
      html`<button phx-click="${JS.push("x", { value: { s: `"><script>alert(1)</script>` } })}">`,
    );
    expect(out).not.toContain("<script>");
    expect(out.match(/"/g)).toHaveLength(2);
  });

  test("mistakes throw a TypeError naming the command", () => {
    expect(() => JS.push("")).toThrow(/JS\.push: event/);
    expect(() => JS.push("x", { value: [1] as any })).toThrow(/JS\.push: value must be a plain object/);
    expect(() => JS.push("x", { target: -1 })).toThrow(/JS\.push: target/);
    expect(() => JS.push("x", { bogus: 1 } as any)).toThrow(/JS\.push: unknown option "bogus"/);
    expect(() => JS.hide({ to: { parent: "x" } as any })).toThrow(/JS\.hide: to must be/);
    expect(() => JS.show({ time: -5 })).toThrow(/JS\.show: time/);
    expect(() => JS.addClass("a", { transition: ["a", "b"] as any })).toThrow(/JS\.addClass: transition/);
    expect(() => JS.dispatch("click", { detail: { a: 1 } })).toThrow(
      /JS\.dispatch: a "click" cannot carry a detail/,
    );
    expect(() => JS.dispatch("x", { blocking: true, detail: { done: 1 } })).toThrow(/"done"/);
    expect(() => JS.setAttribute("a b", "1")).toThrow(/JS\.setAttribute/);
    expect(() => JS.navigate("//evil.example")).toThrow(/JS\.navigate: expected a local path/);
    expect(() => JS.patch("javascript:alert(1)")).toThrow(/JS\.patch: expected a local path/);
  });
});
