const ACCEPTED =
  "a template takes strings, numbers, bigints, null/undefined/booleans (render nothing), html`...` " +
  "templates, raw(...), keyed(...), and arrays of these";

/**
 * A value a template cannot render: a plain object, a Promise, a function, a symbol, or any object that
 * would print as `[object ...]`. Thrown where the value is met, then thrown again by the view's process
 * (or dead render) with the view's name and the value's place in the template.
 */
export class TemplateValueError extends TypeError {
  constructor(
    /** The value that cannot be rendered. */
    readonly value: unknown,
    /** The view whose template held it, and where in the template (see `template_position.ts`). */
    where?: { view: string; at: string | null },
  ) {
    const at = where?.at == null ? "" : ` at ${where.at}`;
    const view = where === undefined ? "" : `${where.view}: `;
    super(`${view}cannot interpolate ${kindOf(value)} into a template${at}${advice(value)}; ${ACCEPTED}`);
  }
}

/**
 * The text of a value outside a template's usual types (the renderers call this only once strings,
 * numbers, nulls, booleans, templates and arrays are ruled out, so the common cases pay nothing). An object
 * with its own `toString` (a `Date`, a `URL`) renders as that string; anything that would print as
 * `[object ...]`, and functions and symbols, throw a {@link TemplateValueError}.
 */
export function textOfValue(value: unknown): string {
  if (typeof value === "object" && value !== null && !isThenable(value)) {
    const print = (value as { toString?: unknown }).toString;
    if (typeof print === "function" && print !== Object.prototype.toString) return String(value);
  }
  throw new TemplateValueError(value);
}

function isThenable(value: object): boolean {
  return typeof (value as { then?: unknown }).then === "function";
}

function kindOf(value: unknown): string {
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "symbol") return `a symbol (${String(value)})`;
  if (typeof value !== "object" || value === null) return typeof value;
  if (isThenable(value)) return "a Promise";
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 4).join(", ") + (keys.length > 4 ? ", …" : "");
    return `a plain object ({ ${shown} })`;
  }
  return `an object (${(value as object).constructor?.name ?? "no class"}) with no toString`;
}

function advice(value: unknown): string {
  if (typeof value === "object" && value !== null && isThenable(value))
    return " (await it in mount or a handler and assign the result)";
  if (typeof value === "function") return " (call it, or pass what it returns)";
  if (typeof value === "object" && value !== null) return " (render its fields, or JSON.stringify it)";
  return "";
}
