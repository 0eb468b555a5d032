import { Keyed, Rendered } from "./rendered.js";
import { TemplateValueError } from "./template_value.js";

/**
 * `err` with the view's name and the place of the bad value when it is a {@link TemplateValueError}, else
 * `err` itself. The place is looked for in `root` (the view's template, null when only components
 * rendered), then in `alsoIn` (the template rendered last, a component's, with its name). Runs only after a
 * render failed, so it may walk the whole tree.
 */
export function locateTemplateError(
  err: unknown,
  view: string,
  root: Rendered | null,
  alsoIn?: { readonly name: string; readonly rendered: Rendered } | null,
): unknown {
  if (!(err instanceof TemplateValueError)) return err;
  const at = root === null ? null : locate(root, err.value);
  if (at === null && alsoIn != null) {
    const inner = locate(alsoIn.rendered, err.value);
    if (inner !== null) return new TemplateValueError(err.value, { view: alsoIn.name, at: inner });
  }
  return new TemplateValueError(err.value, { view, at });
}

/**
 * Where `value` first appears in `root`'s tree, as `dynamic 1 of <p>${…}</p>, in entry 0 of the list at
 * dynamic 2 of <ul>${…}</ul>`; null if it is not there.
 */
function locate(root: Rendered, value: unknown): string | null {
  const path: string[] = [];
  return find(root, value, path) ? path.join(", in ") : null;
}

function find(r: Rendered, value: unknown, path: string[]): boolean {
  for (let i = 0; i < r.dynamics.length; i++) {
    const d = r.dynamics[i];
    if (d === value || findIn(d, value, path)) {
      path.push(`dynamic ${i} of ${snippet(r, i)}`);
      return true;
    }
  }
  return false;
}

function findIn(d: unknown, value: unknown, path: string[]): boolean {
  if (d instanceof Rendered) return find(d, value, path);
  if (d instanceof Keyed) return find(d.rendered, value, path);
  if (!Array.isArray(d)) return false;
  for (let j = 0; j < d.length; j++) {
    if (d[j] === value || findIn(d[j], value, path)) {
      path.push(`entry ${j} of the list`);
      return true;
    }
  }
  return false;
}

/** The template around dynamic `i`, the dynamic shown as `${…}`, clipped to a few dozen characters. */
function snippet(r: Rendered, i: number): string {
  const before = r.statics[i];
  const after = r.statics[i + 1];
  const b = before.length > 30 ? `…${before.slice(-30)}` : before;
  const a = after.length > 30 ? `${after.slice(0, 30)}…` : after;
  return JSON.stringify(`${b}\${…}${a}`.replace(/\s+/g, " "));
}
