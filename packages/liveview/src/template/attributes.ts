import { escapeHtml } from "../render/escape.js";
import { Safe } from "../render/rendered.js";

/**
 * Extra attributes for a helper's element: `{ class: "btn", "phx-click": JS.push("go"), disabled: true }`.
 * Strings and numbers are HTML-escaped; `true` writes the bare attribute; `false`, `null` and
 * `undefined` leave it out; a `JS` chain (or other trusted {@link Safe}) goes in as it renders. Values
 * are escaped, not checked as URLs: pass user-given URLs through `safeUrl`.
 */
export type HtmlAttributes = Readonly<Record<string, string | number | boolean | null | undefined | Safe>>;

// Letters, digits and the punctuation attribute names use (`phx-click`, `data-x`, `xlink:href`, `@click`):
// nothing that could end the attribute or the tag.
const ATTR_NAME = /^[a-zA-Z_:@][-a-zA-Z0-9_:.@]*$/;

/** The attributes as ` name="value"` pairs (with a leading space each), trusted for a template. */
export function attributes(attrs: HtmlAttributes | undefined, fn: string): Safe {
  if (attrs === undefined) return EMPTY;
  if (typeof attrs !== "object" || attrs === null) throw new TypeError(`${fn}: attrs must be an object`);
  let out = "";
  for (const [name, value] of Object.entries(attrs)) {
    if (!ATTR_NAME.test(name)) throw new TypeError(`${fn}: ${JSON.stringify(name)} is not an attribute name`);
    if (value === false || value === null || value === undefined) continue;
    if (value === true) out += ` ${name}`;
    else if (value instanceof Safe) out += ` ${name}="${value.html}"`;
    else if (typeof value === "string" || typeof value === "number")
      out += ` ${name}="${escapeHtml(String(value))}"`;
    else throw new TypeError(`${fn}: attribute ${name} must be a string, number or boolean`);
  }
  return out === "" ? EMPTY : new Safe(out);
}

const EMPTY = new Safe("");
