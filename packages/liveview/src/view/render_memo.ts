import type { Rendered } from "../render/rendered.js";
import { liveRenderCount } from "./live_render.js";
import type { LiveView } from "./view.js";

/**
 * The last render of a view definition, by the values of the assigns it was rendered from. `render` is a
 * pure function of its assigns, so a view whose assigns hold the very same values (`===`, key by key, in the
 * same order) as the last view rendered gets that render back instead of rendering again. After a
 * broadcast, every view showing the same page renders the same thing: the first one renders, the others
 * share its result (and, downstream, the diff engine compares identical strings and the frame encoder sees
 * equal diffs). One entry per view definition, replaced on every miss.
 */
export class RenderMemo {
  #keys: string[] = [];
  #values: unknown[] = [];
  #length = -1;
  #rendered: Rendered | null = null;

  /** The remembered render if `assigns` has exactly the remembered values, else null. */
  get(assigns: Readonly<Record<string, unknown>>): Rendered | null {
    const n = this.#length;
    if (n < 0) return null;
    const keys = this.#keys;
    const values = this.#values;
    let i = 0;
    for (const key in assigns) {
      if (i >= n || key !== keys[i] || assigns[key] !== values[i]) return null;
      i++;
    }
    return i === n ? this.#rendered : null;
  }

  /** Remembers `rendered` as the render of `assigns`. */
  set(assigns: Readonly<Record<string, unknown>>, rendered: Rendered): void {
    let i = 0;
    for (const key in assigns) {
      this.#keys[i] = key;
      this.#values[i] = assigns[key];
      i++;
    }
    this.#keys.length = i;
    this.#values.length = i;
    this.#length = i;
    this.#rendered = rendered;
  }
}

const memos = new WeakMap<LiveView, RenderMemo>();

/** `view.render(assigns)`, or the render of the last assigns of `view` if they hold the same values. */
export function memoRender(view: LiveView, assigns: Readonly<Record<string, unknown>>): Rendered {
  let memo = memos.get(view);
  if (memo === undefined) {
    memo = new RenderMemo();
    memos.set(view, memo);
  }
  const hit = memo.get(assigns);
  if (hit !== null) return hit;
  const placed = liveRenderCount();
  const rendered = view.render(assigns as any);
  // A render that placed child views holds HTML bound to this parent: never shared with another view.
  if (liveRenderCount() === placed) memo.set(assigns, rendered);
  return rendered;
}
