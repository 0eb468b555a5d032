import { type NestedToken, registerNestedView } from "../nested_views.js";
import { Safe } from "../render/rendered.js";
import { SALT, type Signer } from "../token.js";
import { isLiveView, type LiveView, type Session } from "./view.js";

/** Options of {@link liveRender}. */
export interface LiveRenderOptions {
  /** The child's DOM id, unique on the page; its channel topic is `lv:<id>`. */
  id: string;
  /** The session its `mount` gets (signed into the page, so readable by the browser: ids, not secrets). */
  session?: Session;
  /**
   * A sticky view is not tied to its parent: it lives on across live navigation (render it with the same
   * id in each page that shows it). A non-sticky child stops with its parent.
   */
  sticky?: boolean;
}

/** A child asked for during a render, waiting for its HTML (the HTTP render mounts it, then renders again). */
export interface PendingChild {
  readonly view: LiveView;
  readonly opts: LiveRenderOptions;
}

/**
 * Where a render places child views: the parent's id, whether it is connected, and the children it has
 * already placed (their container HTML, kept so that a re-render with the same child sends nothing).
 * A view process keeps one from the render that first places a child (renderRoot in view_finish.ts); until
 * then each render makes a throwaway one, so a view with no children holds none.
 */
export class NestingScope {
  /** By child id: its container HTML and the session it was signed with (JSON). */
  placed: Map<string, { html: string; session: string }> | null = null;

  constructor(
    readonly parentId: string,
    readonly connected: boolean,
    readonly signer: Signer,
    /** The parent's group of routes (a child's token is bound to it, as a page's is). */
    readonly group: string,
    /**
     * Holds the page's URL, given to the children through their `socket.url`: the view's socket (its URL
     * changes with patches), read at each placement. An object, not a closure: one fewer per view.
     */
    readonly page: { readonly url: URL },
    /** HTTP render only: children rendered by the previous pass, by id. */
    readonly deadHtml: Map<string, string> | null = null,
    /** HTTP render only: children the current pass asked for that have no HTML yet. */
    readonly pending: PendingChild[] | null = null,
  ) {}
}

let scope: NestingScope | null = null;
let placements = 0;

/** Runs `render` with `s` as the scope of the `liveRender` calls it makes. */
export function withNesting<T>(s: NestingScope, render: () => T): T {
  const outer = scope;
  scope = s;
  try {
    return render();
  } finally {
    scope = outer;
  }
}

/**
 * How many `liveRender` calls were made so far, process-wide: a render that made one holds HTML bound to
 * its parent, so it must not be shared with another view of the same definition (see `memoRender`).
 */
export function liveRenderCount(): number {
  return placements;
}

/**
 * Places a child live view in a template (Phoenix's `live_render`): the child gets its own process,
 * channel and diffs; the official client joins it once the parent has joined.
 *
 * ```ts
 * render: () => html`<main>…</main>${liveRender(Clock, { id: "clock", session: { tz: "UTC" } })}`
 * ```
 *
 * The child must have a `name` (its identity in the signed token) and no `handleParams` (only a view
 * mounted at a route has params). Only a view's own `render` may call it, not a component's.
 */
export function liveRender(view: LiveView, opts: LiveRenderOptions): Safe {
  const s = scope;
  if (s === null)
    throw new Error(
      "liveRender: call it inside a live view's render (not in a component, not outside a render)",
    );
  if (!isLiveView(view)) throw new TypeError("liveRender: the first argument must be made by defineLiveView");
  const where = `liveRender(${view.name ?? "view"})`;
  if (typeof view.name !== "string" || view.name === "")
    throw new TypeError(`${where}: the child view needs a name (its identity in the signed session token)`);
  if (view.handleParams !== undefined)
    throw new TypeError(`${where}: a child view cannot define handleParams (only a routed view has params)`);
  if (
    typeof opts !== "object" ||
    opts === null ||
    typeof opts.id !== "string" ||
    !/^[A-Za-z][\w-]{0,63}$/.test(opts.id)
  )
    throw new TypeError(`${where}: an id is required (a letter, then up to 63 letters, digits, "_" or "-")`);
  const session = opts.session ?? {};
  if (typeof session !== "object" || session === null)
    throw new TypeError(`${where}: the session must be an object`);
  placements++;
  registerNestedView(view.name, view);
  const sticky = opts.sticky === true;
  const sessionJson = JSON.stringify(session);
  const known = s.placed?.get(opts.id);
  if (known !== undefined && known.session === sessionJson) return new Safe(known.html);
  if (!s.connected) {
    const inner = s.deadHtml?.get(opts.id);
    if (inner === undefined) {
      s.pending?.push({ view, opts });
      return new Safe("");
    }
    // Only a sticky child joins from the first page (as a root of its own); a nested one waits for its
    // parent's connected render, which gives it its token.
    const token = sticky ? sign(s, view, opts.id, session, true) : "";
    const html = container(s, opts.id, token, sticky, inner);
    (s.placed ??= new Map()).set(opts.id, { html, session: sessionJson });
    return new Safe(html);
  }
  const html = container(s, opts.id, sign(s, view, opts.id, session, sticky), sticky, "");
  (s.placed ??= new Map()).set(opts.id, { html, session: sessionJson });
  return new Safe(html);
}

function sign(s: NestingScope, view: LiveView, id: string, session: Session, sticky: boolean): string {
  const data: NestedToken = {
    id,
    v: view.name!,
    r: "(nested)",
    g: s.group,
    s: { ...session },
    n: 1,
    u: s.page.url.href,
    ...(sticky ? {} : { p: s.parentId }),
  };
  return s.signer.sign(SALT.session, data);
}

function container(s: NestingScope, id: string, token: string, sticky: boolean, inner: string): string {
  const link = sticky ? "data-phx-sticky" : `data-phx-parent-id="${s.parentId}"`;
  return `<div id="${id}" data-phx-session="${token}" data-phx-static="" ${link}>${inner}</div>`;
}
