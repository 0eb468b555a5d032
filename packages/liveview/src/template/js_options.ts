/**
 * The options of the JS commands (template/js.ts) and the checks of their arguments: a mistake in a chain
 * throws a TypeError naming the command and the argument, when the chain is built, not in the browser.
 */
/**
 * Which elements a command acts on: a CSS selector over the whole document, or one relative to the
 * element the user interacted with (`{ closest }` upwards, `{ inner }` inside it). Without `to`, the
 * interacted element itself.
 */
export type JsTarget = string | { readonly closest: string } | { readonly inner: string };

/**
 * CSS classes applied during a transition: the classes for its whole duration, or the three of
 * `[during, start, end]` (`["ease-out duration-300", "opacity-0", "opacity-100"]`).
 */
export type JsTransition = string | readonly [string, string, string];

/** Options every class/visibility command takes. */
export interface JsTransitionOptions {
  /** The elements to act on (default: the interacted element). */
  readonly to?: JsTarget;
  /** Classes applied while the command runs. */
  readonly transition?: JsTransition;
  /** How long the transition lasts, in ms (default 200, the client's). */
  readonly time?: number;
  /** Whether the page waits for the transition before applying patches (default true). */
  readonly blocking?: boolean;
}

/** Options of `JS.push`. */
export interface JsPushOptions {
  /** Values merged into the event's value (over `phx-value-*` attributes). */
  readonly value?: Readonly<Record<string, unknown>>;
  /** Where the event goes: a live component (its `myself`) or a selector inside one (default: the view). */
  readonly target?: string | number | { readonly cid: number };
  /** A selector of elements that get the `phx-*-loading` classes while the event is in flight. */
  readonly loading?: string;
  /** Fire `phx:page-loading-start` / `-stop` around the event (Phoenix's `page_loading`). */
  readonly pageLoading?: boolean;
}

/** Options of `JS.toggle`. */
export interface JsToggleOptions {
  readonly to?: JsTarget;
  /** Classes while showing. */
  readonly in?: JsTransition;
  /** Classes while hiding. */
  readonly out?: JsTransition;
  readonly time?: number;
  readonly blocking?: boolean;
  /** The `display` when shown (default `block`). */
  readonly display?: string;
}

/** Options of `JS.dispatch`. */
export interface JsDispatchOptions {
  readonly to?: JsTarget;
  /** The event's `detail` (the client adds `dispatcher`, the element that dispatched it). */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Whether the event bubbles (default true). */
  readonly bubbles?: boolean;
  /** Block patches until a listener calls `event.detail.done()`. */
  readonly blocking?: boolean;
}

const NAME = /^\S+$/;

export function transitionArgs(opts: JsTransitionOptions, fn: string): Record<string, unknown> {
  optionalBoolean(opts.blocking, fn, "blocking");
  return {
    to: target(opts.to, fn),
    transition: transitionClasses(opts.transition, fn, "transition"),
    time: time(opts.time, fn),
    blocking: opts.blocking,
  };
}

export function target(to: JsTarget | undefined, fn: string): unknown {
  if (to === undefined) return undefined;
  if (typeof to === "string") return text(to, fn, "to");
  if (typeof to === "object" && to !== null) {
    const keys = Object.keys(to);
    if (keys.length === 1 && (keys[0] === "closest" || keys[0] === "inner")) {
      const selector = (to as Record<string, unknown>)[keys[0]];
      return { [keys[0]]: text(selector, fn, `to.${keys[0]}`) };
    }
  }
  throw new TypeError(`${fn}: to must be a selector, { closest: selector } or { inner: selector }`);
}

export function pushTarget(t: JsPushOptions["target"], fn: string): unknown {
  if (t === undefined) return undefined;
  if (typeof t === "string") return text(t, fn, "target");
  if (typeof t === "number" && Number.isInteger(t) && t >= 0) return t;
  if (typeof t === "object" && t !== null && Number.isInteger(t.cid) && t.cid >= 0) return t.cid;
  throw new TypeError(`${fn}: target must be a selector or a component's myself, got ${describe(t)}`);
}

export function transitionClasses(t: JsTransition | undefined, fn: string, what: string): unknown {
  if (t === undefined) return undefined;
  if (typeof t === "string") return [classNames(t, fn, what), [], []];
  if (Array.isArray(t) && t.length === 3 && t.every((s) => typeof s === "string"))
    return t.map((s: string) => s.split(" ").filter((c) => c !== ""));
  throw new TypeError(`${fn}: ${what} must be a string of classes or [during, start, end]`);
}

export function classNames(names: unknown, fn: string, what: string): string[] {
  if (typeof names !== "string") throw new TypeError(`${fn}: ${what} must be a string of class names`);
  return names.split(" ").filter((c) => c !== "");
}

export function time(ms: number | undefined, fn: string): number | undefined {
  if (ms === undefined) return undefined;
  if (!Number.isInteger(ms) || ms < 0) throw new TypeError(`${fn}: time must be an integer >= 0 (ms)`);
  return ms;
}

export function text(value: unknown, fn: string, what: string): string {
  if (typeof value !== "string" || value === "")
    throw new TypeError(`${fn}: ${what} must be a non-empty string`);
  return value;
}

export function attrName(name: unknown, fn: string): void {
  if (typeof name !== "string" || !NAME.test(name))
    throw new TypeError(`${fn}: ${describe(name)} is not an attribute name`);
}

export function optionalBoolean(value: unknown, fn: string, what: string): void {
  if (value !== undefined && typeof value !== "boolean")
    throw new TypeError(`${fn}: ${what} must be a boolean`);
}

export function known(opts: object, fn: string, keys: readonly string[]): void {
  if (typeof opts !== "object" || opts === null) throw new TypeError(`${fn}: options must be an object`);
  for (const k of Object.keys(opts))
    if (!keys.includes(k))
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(k)} (expected ${keys.join(", ")})`);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function describe(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? "an array" : typeof v;
}
