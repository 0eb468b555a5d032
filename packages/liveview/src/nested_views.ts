import type { SessionToken } from "./session_token.js";
import type { LiveView } from "./view/view.js";

/**
 * The views placed as children (`liveRender`) on this node, by name: a child's join names its view in its
 * signed token, and finds it here. A node learns a child view when one of its pages renders it; a view
 * object itself cannot travel in a token.
 */
const nested = new Map<string, LiveView>();

/** Remembers `view` under its name (the last definition of a name wins, as after a code reload). */
export function registerNestedView(name: string, view: LiveView): void {
  nested.set(name, view);
}

/** The child view named `name`, if this node has rendered one. */
export function nestedView(name: string): LiveView | undefined {
  return nested.get(name);
}

/** A child view's token: the page token's fields, plus `n` (nested), its parent (unless sticky) and URL. */
export interface NestedToken extends SessionToken {
  /** Marks a child view's token: it joins without a URL, and never as a page's root view. */
  readonly n: 1;
  /** The parent's DOM id (a non-sticky child joins only while its parent is joined on the same socket). */
  readonly p?: string;
  /** The page's URL when the token was made. */
  readonly u: string;
}
