import { localPath } from "../local_path.js";
import { escapeHtml } from "../render/escape.js";
import { Safe } from "../render/rendered.js";
import {
  attrName,
  classNames,
  describe,
  isPlainObject,
  type JsDispatchOptions,
  type JsPushOptions,
  type JsTarget,
  type JsToggleOptions,
  type JsTransition,
  type JsTransitionOptions,
  known,
  optionalBoolean,
  pushTarget,
  target,
  text,
  time,
  transitionArgs,
  transitionClasses,
} from "./js_options.js";

export type {
  JsDispatchOptions,
  JsPushOptions,
  JsTarget,
  JsToggleOptions,
  JsTransition,
  JsTransitionOptions,
} from "./js_options.js";

/** One operation as the official client reads it: `[kind, args]`. */
export type JsOp = readonly [string, Readonly<Record<string, unknown>>];

/** The chain with no commands, which every static method extends (see `JS.#empty`). */
let emptyChain: JS | undefined;

/**
 * A chain of client-side commands, as Phoenix's `Phoenix.LiveView.JS`: put it in any `phx-*` binding
 * (`phx-click`, `phx-submit`, `phx-mounted`, `phx-remove`, ...) and the official client runs it in order,
 * without a round trip unless it pushes.
 *
 * ```ts
 * html`<button phx-click="${JS.push("inc", { value: { by: 2 } }).hide({ to: "#help" })}">+</button>`
 * ```
 *
 * Every method returns a new chain (a chain is immutable, so a shared one can be extended safely), and
 * each is also a static method that starts one. In a template it renders as its JSON, HTML-escaped, so
 * it is safe in an attribute; `JSON.stringify(js)` gives the JSON itself (for `pushEvent` payloads).
 */
export class JS extends Safe {
  /** The operations, in order. */
  readonly ops: readonly JsOp[];
  // Made on first use: tsc compiles the class's references to itself through an alias set only after the class
  // body, so a static initializer calling `new JS` fails when the built module loads.
  static get #empty(): JS {
    emptyChain ??= new JS([]);
    return emptyChain;
  }

  private constructor(ops: readonly JsOp[]) {
    super(escapeHtml(JSON.stringify(ops)));
    this.ops = Object.freeze(ops);
  }

  /** The chain's JSON form (what the client parses from the attribute). */
  toJSON(): readonly JsOp[] {
    return this.ops;
  }

  /** This chain followed by `other`'s operations. */
  concat(other: JS): JS {
    if (!(other instanceof JS)) throw new TypeError("JS.concat: expected a JS chain");
    return new JS([...this.ops, ...other.ops]);
  }

  #put(kind: string, args: Record<string, unknown>): JS {
    // Absent options are left out, as Phoenix leaves out nil ones: the client applies its own defaults.
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (v !== undefined) clean[k] = v;
    return new JS([...this.ops, [kind, Object.freeze(clean)]]);
  }

  /** Starts an empty chain (renders as `[]`, which the client accepts and does nothing with). */
  static none(): JS {
    return JS.#empty;
  }

  /** Pushes `event` to the server, with options Phoenix's `phx-click="event"` cannot express. */
  static push(event: string, opts?: JsPushOptions): JS {
    return JS.#empty.push(event, opts);
  }
  push(event: string, opts: JsPushOptions = {}): JS {
    const fn = "JS.push";
    text(event, fn, "event");
    known(opts, fn, ["value", "target", "loading", "pageLoading"]);
    if (opts.value !== undefined && !isPlainObject(opts.value))
      throw new TypeError(`${fn}: value must be a plain object, got ${describe(opts.value)}`);
    if (opts.loading !== undefined) text(opts.loading, fn, "loading");
    optionalBoolean(opts.pageLoading, fn, "pageLoading");
    return this.#put("push", {
      event,
      value: opts.value,
      target: pushTarget(opts.target, fn),
      loading: opts.loading,
      page_loading: opts.pageLoading,
    });
  }

  /** Shows elements (sets `display`, default `block`), with an optional transition. */
  static show(opts?: JsTransitionOptions & { readonly display?: string }): JS {
    return JS.#empty.show(opts);
  }
  show(opts: JsTransitionOptions & { readonly display?: string } = {}): JS {
    const fn = "JS.show";
    known(opts, fn, ["to", "transition", "time", "blocking", "display"]);
    if (opts.display !== undefined) text(opts.display, fn, "display");
    return this.#put("show", { ...transitionArgs(opts, fn), display: opts.display });
  }

  /** Hides elements (`display: none`), with an optional transition. */
  static hide(opts?: JsTransitionOptions): JS {
    return JS.#empty.hide(opts);
  }
  hide(opts: JsTransitionOptions = {}): JS {
    known(opts, "JS.hide", ["to", "transition", "time", "blocking"]);
    return this.#put("hide", transitionArgs(opts, "JS.hide"));
  }

  /** Shows hidden elements and hides visible ones, with optional `in`/`out` transitions. */
  static toggle(opts?: JsToggleOptions): JS {
    return JS.#empty.toggle(opts);
  }
  toggle(opts: JsToggleOptions = {}): JS {
    const fn = "JS.toggle";
    known(opts, fn, ["to", "in", "out", "time", "blocking", "display"]);
    if (opts.display !== undefined) text(opts.display, fn, "display");
    optionalBoolean(opts.blocking, fn, "blocking");
    return this.#put("toggle", {
      to: target(opts.to, fn),
      display: opts.display,
      ins: transitionClasses(opts.in, fn, "in"),
      outs: transitionClasses(opts.out, fn, "out"),
      time: time(opts.time, fn),
      blocking: opts.blocking,
    });
  }

  /** Adds classes (space-separated) to elements; they stay across patches from the server. */
  static addClass(names: string, opts?: JsTransitionOptions): JS {
    return JS.#empty.addClass(names, opts);
  }
  addClass(names: string, opts: JsTransitionOptions = {}): JS {
    return this.#classOp("add_class", "JS.addClass", names, opts);
  }

  /** Removes classes (space-separated) from elements. */
  static removeClass(names: string, opts?: JsTransitionOptions): JS {
    return JS.#empty.removeClass(names, opts);
  }
  removeClass(names: string, opts: JsTransitionOptions = {}): JS {
    return this.#classOp("remove_class", "JS.removeClass", names, opts);
  }

  /** Adds each class an element lacks and removes each it has. */
  static toggleClass(names: string, opts?: JsTransitionOptions): JS {
    return JS.#empty.toggleClass(names, opts);
  }
  toggleClass(names: string, opts: JsTransitionOptions = {}): JS {
    return this.#classOp("toggle_class", "JS.toggleClass", names, opts);
  }

  #classOp(kind: string, fn: string, names: string, opts: JsTransitionOptions): JS {
    known(opts, fn, ["to", "transition", "time", "blocking"]);
    return this.#put(kind, { ...transitionArgs(opts, fn), names: classNames(names, fn, "names") });
  }

  /** Applies transition classes for `time` ms, then removes them (e.g. a "shake"). */
  static transition(transition: JsTransition, opts?: Omit<JsTransitionOptions, "transition">): JS {
    return JS.#empty.transition(transition, opts);
  }
  transition(transition: JsTransition, opts: Omit<JsTransitionOptions, "transition"> = {}): JS {
    const fn = "JS.transition";
    known(opts, fn, ["to", "time", "blocking"]);
    if (transition === undefined) throw new TypeError(`${fn}: expected a transition`);
    return this.#put("transition", transitionArgs({ ...opts, transition }, fn));
  }

  /** Sets an attribute on elements; it stays across patches from the server. */
  static setAttribute(name: string, value: string, opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.setAttribute(name, value, opts);
  }
  setAttribute(name: string, value: string, opts: { readonly to?: JsTarget } = {}): JS {
    const fn = "JS.setAttribute";
    known(opts, fn, ["to"]);
    attrName(name, fn);
    if (typeof value !== "string") throw new TypeError(`${fn}: value must be a string`);
    return this.#put("set_attr", { to: target(opts.to, fn), attr: [name, value] });
  }

  /** Removes an attribute from elements. */
  static removeAttribute(name: string, opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.removeAttribute(name, opts);
  }
  removeAttribute(name: string, opts: { readonly to?: JsTarget } = {}): JS {
    const fn = "JS.removeAttribute";
    known(opts, fn, ["to"]);
    attrName(name, fn);
    return this.#put("remove_attr", { to: target(opts.to, fn), attr: name });
  }

  /**
   * With one value: sets the attribute to it when absent, removes it when present. With two: switches the
   * attribute between them (`toggleAttribute("aria-expanded", "true", "false")`).
   */
  static toggleAttribute(name: string, value: string, other?: string, opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.toggleAttribute(name, value, other, opts);
  }
  toggleAttribute(name: string, value: string, other?: string, opts: { readonly to?: JsTarget } = {}): JS {
    const fn = "JS.toggleAttribute";
    known(opts, fn, ["to"]);
    attrName(name, fn);
    if (typeof value !== "string" || (other !== undefined && typeof other !== "string"))
      throw new TypeError(`${fn}: values must be strings`);
    const attr = other === undefined ? [name, value] : [name, value, other];
    return this.#put("toggle_attr", { to: target(opts.to, fn), attr });
  }

  /** Keeps the client from patching these attributes (a trailing `*` matches a prefix, e.g. `data-*`). */
  static ignoreAttributes(names: string | readonly string[], opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.ignoreAttributes(names, opts);
  }
  ignoreAttributes(names: string | readonly string[], opts: { readonly to?: JsTarget } = {}): JS {
    const fn = "JS.ignoreAttributes";
    known(opts, fn, ["to"]);
    const attrs = typeof names === "string" ? [names] : names;
    if (!Array.isArray(attrs) || attrs.length === 0) throw new TypeError(`${fn}: expected attribute names`);
    for (const a of attrs) attrName(a, fn);
    return this.#put("ignore_attrs", { to: target(opts.to, fn), attrs: [...attrs] });
  }

  /**
   * Dispatches a DOM event (a `CustomEvent` with `detail`, or a real click for `"click"`) on elements,
   * for your own scripts: `window.addEventListener("app:copy", ...)`.
   */
  static dispatch(event: string, opts?: JsDispatchOptions): JS {
    return JS.#empty.dispatch(event, opts);
  }
  dispatch(event: string, opts: JsDispatchOptions = {}): JS {
    const fn = "JS.dispatch";
    text(event, fn, "event");
    known(opts, fn, ["to", "detail", "bubbles", "blocking"]);
    optionalBoolean(opts.bubbles, fn, "bubbles");
    optionalBoolean(opts.blocking, fn, "blocking");
    if (opts.detail !== undefined) {
      if (!isPlainObject(opts.detail)) throw new TypeError(`${fn}: detail must be a plain object`);
      // The browser turns a MouseEvent's detail into a number.
      if (event === "click") throw new TypeError(`${fn}: a "click" cannot carry a detail`);
      // With blocking, the client puts its own `done` callback in the detail.
      if (opts.blocking === true && Object.hasOwn(opts.detail, "done"))
        throw new TypeError(`${fn}: with blocking, detail must not have a "done" key`);
    }
    return this.#put("dispatch", {
      event,
      to: target(opts.to, fn),
      detail: opts.detail,
      bubbles: opts.bubbles,
      blocking: opts.blocking === true ? true : undefined,
    });
  }

  /** Runs the JS commands held in an attribute of elements (`JS.exec("phx-remove", { to: "#modal" })`). */
  static exec(attr: string, opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.exec(attr, opts);
  }
  exec(attr: string, opts: { readonly to?: JsTarget } = {}): JS {
    const fn = "JS.exec";
    known(opts, fn, ["to"]);
    attrName(attr, fn);
    return this.#put("exec", { attr, to: target(opts.to, fn) });
  }

  /** Focuses an element. */
  static focus(opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.focus(opts);
  }
  focus(opts: { readonly to?: JsTarget } = {}): JS {
    known(opts, "JS.focus", ["to"]);
    return this.#put("focus", { to: target(opts.to, "JS.focus") });
  }

  /** Focuses the first focusable element inside an element. */
  static focusFirst(opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.focusFirst(opts);
  }
  focusFirst(opts: { readonly to?: JsTarget } = {}): JS {
    known(opts, "JS.focusFirst", ["to"]);
    return this.#put("focus_first", { to: target(opts.to, "JS.focusFirst") });
  }

  /** Remembers an element (default: the interacted one) to refocus later with {@link popFocus}. */
  static pushFocus(opts?: { readonly to?: JsTarget }): JS {
    return JS.#empty.pushFocus(opts);
  }
  pushFocus(opts: { readonly to?: JsTarget } = {}): JS {
    known(opts, "JS.pushFocus", ["to"]);
    return this.#put("push_focus", { to: target(opts.to, "JS.pushFocus") });
  }

  /** Focuses the element last remembered by {@link pushFocus}. */
  static popFocus(): JS {
    return JS.#empty.popFocus();
  }
  popFocus(): JS {
    return this.#put("pop_focus", {});
  }

  /** Live navigation to another view, as `socket.pushNavigate` (a local path). */
  static navigate(href: string, opts?: { readonly replace?: boolean }): JS {
    return JS.#empty.navigate(href, opts);
  }
  navigate(href: string, opts: { readonly replace?: boolean } = {}): JS {
    known(opts, "JS.navigate", ["replace"]);
    optionalBoolean(opts.replace, "JS.navigate", "replace");
    return this.#put("navigate", { href: localPath(href, "JS.navigate"), replace: opts.replace === true });
  }

  /** Patches the current view's URL, as `socket.pushPatch` (a local path). */
  static patch(href: string, opts?: { readonly replace?: boolean }): JS {
    return JS.#empty.patch(href, opts);
  }
  patch(href: string, opts: { readonly replace?: boolean } = {}): JS {
    known(opts, "JS.patch", ["replace"]);
    optionalBoolean(opts.replace, "JS.patch", "replace");
    return this.#put("patch", { href: localPath(href, "JS.patch"), replace: opts.replace === true });
  }
}
