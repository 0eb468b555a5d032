import type { ComponentCall } from "../render/component_call.js";
import type { ComponentSource } from "../render/component_diff.js";
import type { Rendered } from "../render/rendered.js";
import { type Component, isComponent } from "./component.js";
import { ComponentState } from "./component_socket.js";
import { dispatchEvent, type EventResult, type EventValue } from "./events.js";
import type { ViewSocket } from "./view_socket.js";
import { type ComponentSpan, traceComponentEvent, traceComponentUpdate } from "./view_telemetry.js";

/** One mounted component. */
interface Entry {
  readonly cid: number;
  readonly component: Component;
  readonly id: string | number;
  readonly state: ComponentState<any>;
  /** Updates waiting for the next render, in order. */
  updates: Record<string, unknown>[];
  /** Marked by `cids_will_destroy`: freed by `cids_destroyed` unless rendered again before. */
  leaving: boolean;
}

/**
 * The live components of one view: their state by cid, as Phoenix keeps `{cid_to_component, id_to_cid,
 * next_cid}`. It mounts a component the first time a render places it, queues updates (from the parent's
 * render, `sendUpdate`) and runs them batched per definition before the next render, and frees a
 * component's state once the client has removed it (`cids_destroyed`).
 */
export class Components implements ComponentSource {
  // Made by the first component: most views have none, and two empty Maps per connected view are more
  // than the rest of this object.
  #byCid: Map<number, Entry> | null = null;
  #byId: Map<Component, Map<string | number, number>> | null = null;
  /** Components with queued updates or changed assigns, in the order they were touched. */
  #touched: Entry[] = NONE_TOUCHED;
  #next = 1;

  constructor(
    readonly socket: ViewSocket<any>,
    /** The view's name, for errors. */
    readonly viewName: string,
  ) {}

  /** How many components the view holds. */
  get size(): number {
    return this.#byCid?.size ?? 0;
  }

  /** Whether a component changed since the last render. */
  get pending(): boolean {
    return this.#touched.length > 0;
  }

  cidFor(call: ComponentCall): number {
    const component = call.component as Component;
    if (!isComponent(component))
      throw new TypeError(`${this.viewName}: liveComponent needs a component made by defineComponent`);
    const byCid = (this.#byCid ??= new Map());
    const byId = (this.#byId ??= new Map());
    let ids = byId.get(component);
    if (ids === undefined) byId.set(component, (ids = new Map()));
    const known = ids.get(call.id);
    if (known !== undefined) {
      const entry = byCid.get(known)!;
      entry.leaving = false;
      if (!sameAssigns(entry.state.passed, call.assigns)) {
        entry.state.passed = call.assigns;
        this.#queue(entry, call.assigns);
      }
      return known;
    }
    const cid = this.#next++;
    const state = new ComponentState<any>(this.socket, call.id, cid);
    const entry: Entry = { cid, component, id: call.id, state, updates: [], leaving: false };
    byCid.set(cid, entry);
    ids.set(call.id, cid);
    if (component.mount !== undefined) sync(component.mount(state), this.#where(entry, "mount"));
    state.passed = call.assigns;
    this.#queue(entry, call.assigns);
    return cid;
  }

  due(): number[] {
    const touched = this.#touched;
    if (touched.length === 0) return [];
    this.#touched = NONE_TOUCHED;
    // One batch per definition, in the order definitions were first touched.
    const batches = new Map<Component, Entry[]>();
    for (const entry of touched) {
      if (this.#byCid?.has(entry.cid) !== true) continue; // freed meanwhile
      const batch = batches.get(entry.component);
      if (batch === undefined) batches.set(entry.component, [entry]);
      else if (!batch.includes(entry)) batch.push(entry);
    }
    const due: number[] = [];
    for (const [component, entries] of batches) {
      this.#runUpdates(component, entries);
      for (const e of entries) if (e.state.fresh || e.state.changed.size > 0) due.push(e.cid);
    }
    return due;
  }

  render(cid: number): Rendered {
    const entry = this.#byCid?.get(cid);
    if (entry === undefined) throw new Error(`${this.viewName}: no component with cid ${cid}`);
    const { state, component } = entry;
    const rendered = component.render(state.assigns);
    this.#lastRender = { entry, rendered };
    if (state.fresh) checkRoot(rendered, this.#where(entry, "render"));
    state.rendered();
    return rendered;
  }

  /** Mounts, updates and renders the component `call` names at once (the HTTP render). */
  renderNow(call: ComponentCall): Rendered {
    const cid = this.cidFor(call);
    this.due();
    return this.render(cid);
  }

  /** Queues `assigns` for the component `id` of `component`, as `sendUpdate`; false if there is none. */
  update(component: Component, id: string | number, assigns: Readonly<Record<string, unknown>>): boolean {
    const cid = this.#byId?.get(component)?.get(id);
    if (cid === undefined) return false;
    this.#queue(this.#byCid!.get(cid)!, assigns);
    return true;
  }

  /** The component with this cid, by definition and id (for logs), or undefined. */
  describe(cid: number): string | undefined {
    const entry = this.#byCid?.get(cid);
    return entry === undefined
      ? undefined
      : `${entry.component.name ?? "component"} ${JSON.stringify(entry.id)}`;
  }

  /**
   * An event whose `phx-target` is the component `cid`: runs its `events[event]` or `handleEvent` (the
   * view's dispatch: no handler crashes the view). Undefined when no such component is mounted (it left the
   * page meanwhile).
   */
  async handleEvent(
    cid: number,
    event: string,
    value: EventValue,
  ): Promise<{ result: EventResult } | undefined> {
    const entry = this.#byCid?.get(cid);
    if (entry === undefined) return undefined;
    const { component, state } = entry;
    const name = `${this.viewName}: component ${component.name ?? "component"} (id ${JSON.stringify(entry.id)})`;
    const result = await traceComponentEvent(
      () => this.#span(entry),
      event,
      value,
      () => dispatchEvent(component, name, event, value, state),
    );
    if (state.changed.size > 0) this.#touch(entry);
    return { result };
  }

  /** `cids_will_destroy`: the client is removing these components; they stay until `destroyed`. */
  willDestroy(cids: readonly number[]): void {
    for (const cid of cids) {
      const entry = this.#byCid?.get(cid);
      if (entry !== undefined) entry.leaving = true;
    }
  }

  /**
   * `cids_destroyed`: frees the components still leaving (one placed again in between stays) and returns
   * the cids freed, for the reply.
   */
  destroyed(cids: readonly number[]): number[] {
    const freed: number[] = [];
    const byCid = this.#byCid;
    const byId = this.#byId;
    if (byCid === null || byId === null) return freed;
    for (const cid of cids) {
      const entry = byCid.get(cid);
      if (entry === undefined || !entry.leaving) continue;
      byCid.delete(cid);
      const ids = byId.get(entry.component)!;
      ids.delete(entry.id);
      if (ids.size === 0) byId.delete(entry.component);
      this.socket.dropUploadOwner(cid);
      freed.push(cid);
    }
    return freed;
  }

  /** Marks the component `cid` for the next render (its uploads changed outside its callbacks). */
  touch(cid: number): void {
    const entry = this.#byCid?.get(cid);
    if (entry !== undefined && entry.state.changed.size > 0) this.#touch(entry);
  }

  #queue(entry: Entry, assigns: Readonly<Record<string, unknown>>): void {
    entry.updates.push(assigns as Record<string, unknown>);
    this.#touch(entry);
  }

  #touch(entry: Entry): void {
    if (this.#touched === NONE_TOUCHED) this.#touched = [entry];
    else if (!this.#touched.includes(entry)) this.#touched.push(entry);
  }

  #runUpdates(component: Component, entries: Entry[]): void {
    const withUpdates = entries.filter((e) => e.updates.length > 0);
    if (withUpdates.length === 0) return;
    if (component.updateMany !== undefined) {
      // Several queued updates of one component are folded into one, the later values winning.
      const pairs = withUpdates.map((e) => [Object.assign({}, ...e.updates), e.state] as const);
      for (const e of withUpdates) e.updates = [];
      const many = traceComponentUpdate(
        () => this.#span(withUpdates[0]),
        () => component.updateMany!(pairs),
      );
      sync(many, this.#where(withUpdates[0], "updateMany"));
      return;
    }
    for (const e of withUpdates) {
      const updates = e.updates;
      e.updates = [];
      for (const assigns of updates) {
        if (component.update !== undefined)
          sync(
            traceComponentUpdate(
              () => this.#span(e),
              () => component.update!(assigns, e.state),
            ),
            this.#where(e, "update"),
          );
        else e.state.assign(assigns);
      }
    }
  }

  #span(entry: Entry): ComponentSpan {
    return {
      view: this.viewName,
      component: entry.component.name ?? "component",
      id: entry.id,
      cid: entry.cid,
    };
  }

  /**
   * The component template rendered last, which the diff engine diffs right after: a value it cannot render
   * is looked for there (see `locateTemplateError`).
   */
  #lastRender: { readonly entry: Entry; readonly rendered: Rendered } | null = null;

  /** The last rendered component's name and template, for `locateTemplateError`. */
  lastRendered(): { name: string; rendered: Rendered } | null {
    const last = this.#lastRender;
    if (last === null) return null;
    const { entry, rendered } = last;
    const name = `${this.viewName}: component ${entry.component.name ?? "component"} (id ${JSON.stringify(entry.id)})`;
    return { name, rendered };
  }

  #where(entry: Entry, callback: string): string {
    return `${this.viewName}: component ${entry.component.name ?? "component"} (id ${JSON.stringify(entry.id)}) ${callback}`;
  }
}

/** No component touched: shared by every view until one is (frozen: replaced, never pushed to). */
const NONE_TOUCHED = Object.freeze([]) as unknown as Entry[];

/**
 * A component's template must be one element: the client marks its root with the cid and patches the
 * component through it. Checked on the statics, so a template that can render several roots fails at once.
 */
function checkRoot(rendered: Rendered, where: string): void {
  const { statics } = rendered;
  const first = statics[0].trimStart();
  const last = statics[statics.length - 1].trimEnd();
  if (!/^<[a-zA-Z]/.test(first) || !last.endsWith(">"))
    throw new TypeError(
      `${where}: a live component's template must have a single static root element, got one starting ${JSON.stringify(first.slice(0, 40))}`,
    );
}

/** Component callbacks run inside the view's render: they must not be async. */
function sync(result: unknown, where: string): void {
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function")
    throw new TypeError(`${where} returned a promise: component callbacks must be synchronous`);
}

function sameAssigns(
  a: Readonly<Record<string, unknown>> | null,
  b: Readonly<Record<string, unknown>>,
): boolean {
  if (a === null) return false;
  if (a === b) return true;
  const keys = Object.keys(b);
  if (keys.length !== Object.keys(a).length) return false;
  for (const key of keys) if (!Object.hasOwn(a, key) || !Object.is(a[key], b[key])) return false;
  return true;
}
