import { ComponentCall } from "./component_call.js";
import { escapeHtml } from "./escape.js";
import { StreamEntries } from "./stream_entries.js";
import { textOfValue } from "./template_value.js";

/**
 * A value that can appear in an `html` template:
 * - `string`, `number`, `bigint`: text, HTML-escaped;
 * - {@link Safe} (from {@link raw}): trusted HTML, inserted as is;
 * - {@link Rendered}: a nested template;
 * - an array: a comprehension when it holds templates (optionally {@link keyed}), otherwise the
 *   concatenation of its items (so an array of strings renders as the escaped strings, joined with "");
 * - `null`, `undefined`, `false`, `true`: nothing, so `${cond && html`...`}` works;
 * - a live component (`liveComponent(...)`) or a stream's entries (`streams.name.map(...)`).
 *
 * Anything else that would print as `[object ...]` (a plain object, a Promise), a function or a symbol
 * throws a `TypeError` naming the view and the place in the template, so `[object Promise]` never reaches a
 * page. An object with its own `toString` (a `Date`, a `URL`) renders as that string, escaped.
 *
 * Attribute values are dynamics like any other: write `class="${x}"`, the quotes are in the statics
 * and escaping covers both quote characters.
 */
export type Dynamic =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Safe
  | Rendered
  | Keyed
  | ComponentCall
  | StreamEntries<Rendered>
  | readonly Dynamic[];

/**
 * The result of an `html` tagged template: the template's static strings and the values between them.
 * The statics array is the one JavaScript creates once per template call site, so its identity is the
 * template's fingerprint: two renders of the same template share it, which is what the diff engine
 * compares.
 */
export class Rendered {
  constructor(
    /** The template's literal parts; `statics.length === dynamics.length + 1`. */
    readonly statics: TemplateStringsArray,
    /** The interpolated values, in order. */
    readonly dynamics: readonly Dynamic[],
  ) {}

  /** The full HTML, as {@link renderToString}. */
  toString(): string {
    return renderToString(this);
  }
}

/** Trusted HTML, inserted without escaping. Made by {@link raw}. */
export class Safe {
  constructor(
    /** The HTML, inserted as is. */
    readonly html: string,
  ) {}

  toString(): string {
    return this.html;
  }
}

/**
 * A comprehension entry with an identity. In a list of templates, entries wrapped with {@link keyed}
 * are matched to the previous render by key rather than by position, so reordering a list sends moves
 * instead of re-sending every shifted entry. Keys are compared as strings (`1` and `"1"` are the same
 * key); unkeyed entries of the same list are matched by index.
 */
export class Keyed {
  constructor(
    /** The entry's identity within its list, e.g. a database id. */
    readonly key: string | number,
    /** The entry's content. */
    readonly rendered: Rendered,
  ) {}
}

/**
 * Tagged template producing a {@link Rendered}: html`<p class="${cls}">${text}</p>`.
 * See {@link Dynamic} for how each interpolated value renders.
 */
export function html(statics: TemplateStringsArray, ...dynamics: Dynamic[]): Rendered {
  return new Rendered(statics, dynamics);
}

/** Marks `html` as trusted markup, to be inserted without escaping. Never pass it user input. */
export function raw(html: string): Safe {
  return new Safe(html);
}

/**
 * Gives a comprehension entry a key: `items.map((i) => keyed(i.id, html`<li>${i.name}</li>`))`.
 * See {@link Keyed}.
 */
export function keyed(key: string | number, rendered: Rendered): Keyed {
  return new Keyed(key, rendered);
}

/** The full HTML of a template, for the initial (dead) HTTP render. */
export function renderToString(rendered: Rendered): string {
  const { statics, dynamics } = rendered;
  let out = statics[0];
  for (let i = 1; i < statics.length; i++) {
    out += renderDynamic(dynamics[i - 1]) + statics[i];
  }
  return out;
}

/** The HTML of a single {@link Dynamic}, escaped as it would be inside a template. */
export function renderDynamic(value: Dynamic): string {
  if (typeof value === "string") return escapeHtml(value);
  if (value === null || value === undefined || typeof value === "boolean") return "";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (value instanceof Rendered) return renderToString(value);
  if (value instanceof Safe) return value.html;
  if (value instanceof Keyed) return renderToString(value.rendered);
  if (value instanceof StreamEntries) return renderDynamic(value.entries);
  if (value instanceof ComponentCall) {
    if (inlineComponent === null)
      throw new TypeError(
        "liveComponent(...) can only be rendered by a live view (it needs the view's components)",
      );
    return renderToString(inlineComponent(value));
  }
  if (Array.isArray(value)) {
    let out = "";
    for (let i = 0; i < value.length; i++) out += renderDynamic(value[i]);
    return out;
  }
  // Outside the declared types (a Date from untyped code renders as its string; a Promise throws).
  return escapeHtml(textOfValue(value));
}

let inlineComponent: ((call: ComponentCall) => Rendered) | null = null;

/**
 * {@link renderToString} for a page that holds live components: `component(call)` gives each component's
 * template (the HTTP render mounts, updates and renders them on the spot, keeping nothing).
 */
export function renderWithComponents(
  rendered: Rendered,
  component: (call: ComponentCall) => Rendered,
): string {
  const outer = inlineComponent;
  inlineComponent = component;
  try {
    return renderToString(rendered);
  } finally {
    inlineComponent = outer;
  }
}
