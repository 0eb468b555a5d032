import { ComponentCall } from "./component_call.js";
import { escapeHtml } from "./escape.js";
import { type Dynamic, Keyed, Rendered, renderDynamic, Safe } from "./rendered.js";
import { StreamEntries } from "./stream_entries.js";
import { textOfValue } from "./template_value.js";

/**
 * A rendered diff in the wire format of the pinned client (phoenix_live_view 1.2.12, `rendered.js`),
 * ready for `JSON.stringify`: `"s"` statics, `"0"`, `"1"`, ... dynamics, `"k"` keyed comprehensions
 * (with `"stream"` for a stream's), integer cids for live components, and at the top level `"c"`
 * (components by cid), `"t"` (title) and `"e"` (events). Statics arrays are the templates' own
 * (frozen) strings arrays, shared rather than copied.
 */
export type Diff = { [key: string]: unknown };

/**
 * An event for the client, as `push_event` sends it: dispatched as a window `phx:<event>` event and to
 * hooks' `handleEvent`. A third element `true` dispatches it before the DOM patch instead of after.
 */
export type PushEvent =
  | readonly [event: string, payload: unknown]
  | readonly [event: string, payload: unknown, beforePatch: true];

/**
 * What the diff engine needs from a view's components: it does not know how they are mounted, updated or
 * stored, only which cid a call resolves to and what a cid renders now.
 */
export interface ComponentSource {
  /** The cid of the component `call` names: mounts it when new, queues an update when its assigns changed. */
  cidFor(call: ComponentCall): number;
  /** Runs queued updates (batched per definition) and returns the cids whose render is due, clearing them. */
  due(): number[];
  /** Renders the component `cid` from its current assigns and forgets its changes. */
  render(cid: number): Rendered;
}

/** What travels beside the rendered tree at the top level of a diff. */
export interface DiffExtras {
  /** The page title; sent as `"t"` only when it differs from the last title sent. */
  title?: string;
  /** Events to dispatch on the client, sent as `"e"` when non-empty. */
  events?: readonly PushEvent[];
}

// The tree remembered per view mirrors what the client holds, but stores leaves as the raw values the
// template received rather than as escaped HTML: an unchanged value is then detected with `===` and
// never escaped again, and the strings are usually shared with the view's assigns instead of copied.

/** Text (escaped when sent), or trusted HTML. `""` also stands for null/undefined/booleans. */
type Leaf = string | number | bigint | Safe;
type Slot = Leaf | TreeNode | ListNode | CidSlot | StreamNode | undefined;

/** A template at one position: its fingerprint and the last value of each dynamic. */
class TreeNode {
  constructor(
    readonly statics: TemplateStringsArray,
    readonly slots: Slot[],
  ) {}
}

/** A comprehension at one position: its entries' statics and, per entry, its key and dynamics. */
class ListNode {
  constructor(
    readonly statics: readonly string[],
    /** Entry keys, or null when every entry is keyed by its index (nothing to store). */
    public keys: (string | number)[] | null,
    public entries: Slot[][],
  ) {}
}

/** A live component at one position: the client renders the component's own tree there. */
class CidSlot {
  constructor(readonly cid: number) {}
}

/**
 * A stream at one position: only the statics the client holds for it. Its entries are sent once and never
 * kept (the client itself keeps none in its tree, only in the DOM).
 */
class StreamNode {
  constructor(readonly statics: readonly string[]) {}
}

// Statics of a comprehension whose entries do not share one template (or are not all templates): each
// entry is then a single dynamic holding the item. The wire format requires one "s" per comprehension;
// this keeps heterogeneous lists (e.g. `[cond && html`...`, html`...`]`) in the keyed format too.
const WRAP: readonly string[] = Object.freeze(["", ""]);

/**
 * Remembers what one live view last sent to its client and turns each new render into the smallest
 * diff the client can merge: statics once per fingerprint and position, then only changed dynamics.
 *
 * ```ts
 * const tracker = new DiffTracker();
 * reply({ rendered: tracker.render(view.render(assigns)) }); // join
 * const diff = tracker.diff(view.render(assigns));            // later
 * reply(diff === null ? {} : { diff });
 * ```
 */
export class DiffTracker {
  #root: TreeNode | undefined = undefined;
  #title: string | undefined = undefined;
  readonly #components: ComponentSource | undefined;
  /** What the client holds of each component, by cid. */
  readonly #trees = new Map<number, TreeNode>();
  /** For a component template the client holds, one cid holding it (a diff may share its statics). */
  readonly #held = new Map<readonly string[], number>();
  /** Components referenced by the render under way that the client does not hold: rendered in full. */
  #missing: number[] = [];

  /** `components`: where live components placed in templates come from (none: templates may hold none). */
  constructor(components?: ComponentSource) {
    this.#components = components;
  }

  /**
   * A full render (every static and dynamic), for the join reply. Forgets anything sent before, as a
   * rejoining client starts from scratch. `extras.title` is sent as `"t"` when given.
   */
  render(rendered: Rendered, extras?: DiffExtras): Diff {
    const root = new TreeNode(rendered.statics, new Array(rendered.statics.length - 1));
    // A new root tree replaces the client's components too.
    this.#trees.clear();
    this.#held.clear();
    this.#missing = [];
    const out = this.#withComponents(() => fullChildren(root.slots, rendered, { s: rendered.statics }))!;
    this.#root = root;
    this.#title = extras?.title;
    if (extras?.title !== undefined) out.t = extras.title;
    if (extras?.events !== undefined && extras.events.length > 0) out.e = extras.events;
    return out;
  }

  /**
   * The changes since the last render or diff, or null when there are none (reply `{}` then).
   * Before any render, or when the root template itself changed, this is a full render. `rendered` null
   * means the view itself did not change: only its components' changes (if any) are sent.
   */
  diff(rendered: Rendered | null, extras?: DiffExtras): Diff | null {
    const root = this.#root;
    if (rendered !== null && (root === undefined || root.statics !== rendered.statics)) {
      const title = this.#title;
      const out = this.render(rendered, extras);
      // The client keeps its title across diffs, so a title it already shows is not resent.
      if (extras?.title === undefined) this.#title = title;
      else if (extras.title === title) delete out.t;
      return out;
    }
    let out = this.#withComponents(() =>
      rendered === null || root === undefined ? undefined : diffChildren(root.slots, rendered),
    );
    const title = extras?.title;
    if (title !== undefined && title !== this.#title) {
      this.#title = title;
      (out ??= {}).t = title;
    }
    const events = extras?.events;
    if (events !== undefined && events.length > 0) (out ??= {}).e = events;
    return out ?? null;
  }

  /**
   * The client is about to remove these components (`cids_will_destroy`): should one be rendered again,
   * it is sent in full, as the client has reset it.
   */
  willDestroy(cids: readonly number[]): void {
    for (const cid of cids) this.#trees.delete(cid);
  }

  /** The client removed these components (`cids_destroyed`): their statics can no longer be shared. */
  destroyed(cids: readonly number[]): void {
    for (const cid of cids) this.#trees.delete(cid);
    for (const [statics, cid] of this.#held) if (cids.includes(cid)) this.#held.delete(statics);
  }

  /** Runs `render` with this tracker's components in reach, then adds what they changed as `"c"`. */
  #withComponents(render: () => Diff | undefined): Diff | undefined {
    const outer = host;
    host = this;
    try {
      let out = render();
      const c = this.#renderComponents();
      if (c !== undefined) (out ??= {}).c = c;
      return out;
    } finally {
      host = outer;
    }
  }

  /** @internal The cid a template's `liveComponent(...)` stands for. */
  cidFor(call: ComponentCall): number {
    const source = this.#components;
    if (source === undefined)
      throw new TypeError(
        "liveComponent(...) can only be rendered by a live view (it needs the view's components)",
      );
    const cid = source.cidFor(call);
    if (!this.#trees.has(cid)) this.#missing.push(cid);
    return cid;
  }

  /**
   * Renders every component that is due (changed, or referenced but not on the client), and those their
   * renders make due in turn, into the `"c"` map.
   */
  #renderComponents(): Diff | undefined {
    const source = this.#components;
    if (source === undefined) return undefined;
    let c: Diff | undefined;
    // Templates sent in full by this diff: a later component of this diff may share them by positive cid.
    const sentNow = new Map<readonly string[], number>();
    for (;;) {
      const due = source.due();
      for (const cid of this.#missing) if (!due.includes(cid)) due.push(cid);
      this.#missing = [];
      if (due.length === 0) break;
      due.sort((a, b) => a - b);
      for (const cid of due) {
        const rendered = source.render(cid);
        c ??= {};
        let tree = this.#trees.get(cid);
        // A component rendered twice in one diff (a parent updated it after it rendered) is sent in full
        // the second time: one entry per cid, and a full one replaces whatever the first said.
        if (c[cid] !== undefined) tree = undefined;
        if (tree !== undefined && tree.statics === rendered.statics) {
          const d = diffChildren(tree.slots, rendered);
          if (d !== undefined) c[cid] = d;
          continue;
        }
        tree = new TreeNode(rendered.statics, new Array(rendered.statics.length - 1));
        this.#trees.set(cid, tree);
        const now = sentNow.get(rendered.statics);
        const held = this.#held.get(rendered.statics);
        const out: Diff = {
          s: now !== undefined ? now : held !== undefined && held !== cid ? -held : rendered.statics,
        };
        fullChildren(tree.slots, rendered, out);
        out.r = 1;
        c[cid] = out;
        sentNow.set(rendered.statics, cid);
      }
    }
    // A component sent in full may have changed template: it no longer holds the statics it held.
    for (const [statics, cid] of this.#held)
      if (c?.[cid] !== undefined && this.#trees.get(cid)?.statics !== statics) this.#held.delete(statics);
    for (const [statics, cid] of sentNow) this.#held.set(statics, cid);
    return c;
  }
}

/** The tracker rendering right now: templates reach their components through it. */
let host: DiffTracker | null = null;

/** Fills `out` with every dynamic of `rendered`, recording them in the fresh `slots`. */
function fullChildren(slots: Slot[], rendered: Rendered, out: Diff): Diff {
  const { statics, dynamics } = rendered;
  // On fresh slots nothing compares equal, so diffSlot always returns the full value.
  for (let i = 0; i < statics.length - 1; i++) out[i] = diffSlot(slots, i, dynamics[i]);
  return out;
}

/** The changed dynamics of a template with an unchanged fingerprint, or undefined if none changed. */
function diffChildren(slots: Slot[], rendered: Rendered): Diff | undefined {
  const { statics, dynamics } = rendered;
  let out: Diff | undefined;
  for (let i = 0; i < statics.length - 1; i++) {
    const d = diffSlot(slots, i, dynamics[i]);
    if (d !== undefined) (out ??= {})[i] = d;
  }
  return out;
}

/**
 * Compares `value` with what `slots[i]` last held, records it, and returns what to send for that
 * position: undefined when unchanged, else escaped HTML or a nested diff object.
 */
function diffSlot(slots: Slot[], i: number, value: Dynamic): unknown {
  const prev = slots[i];
  switch (typeof value) {
    case "string":
      if (value === prev) return undefined;
      slots[i] = value;
      return escapeHtml(value);
    case "number":
    case "bigint":
      if (value === prev) return undefined;
      slots[i] = value;
      // Always a string: a number in a dynamic's place means a component id to the client.
      return String(value);
    case "boolean":
    case "undefined":
      return emptySlot(slots, i, prev);
  }
  if (value === null) return emptySlot(slots, i, prev);
  if (value instanceof Rendered) return diffRendered(slots, i, prev, value);
  if (value instanceof Keyed) return diffRendered(slots, i, prev, value.rendered);
  if (value instanceof ComponentCall) {
    if (host === null) throw new TypeError("liveComponent(...) rendered outside a live view's render");
    const cid = host.cidFor(value);
    if (prev instanceof CidSlot && prev.cid === cid) return undefined;
    slots[i] = new CidSlot(cid);
    return cid;
  }
  if (value instanceof StreamEntries) return diffStream(slots, i, prev, value);
  if (value instanceof Safe) {
    if (prev instanceof Safe && prev.html === value.html) return undefined;
    slots[i] = value;
    return value.html;
  }
  if (Array.isArray(value)) return diffArray(slots, i, prev, value);
  const text = textOfValue(value);
  if (text === prev) return undefined;
  slots[i] = text;
  return escapeHtml(text);
}

/**
 * A stream's comprehension: its entries (the inserts, each rendered in full: the client keeps none) and its
 * operations. Nothing when the stream has nothing new; statics only when the client lacks them.
 */
function diffStream(slots: Slot[], i: number, prev: Slot, value: StreamEntries<Rendered>): unknown {
  if (value.empty && prev instanceof StreamNode) return undefined;
  const entries = value.entries;
  let statics = comprehensionStatics(entries);
  if (statics === null) statics = prev instanceof StreamNode ? prev.statics : WRAP;
  const wrap = statics === WRAP;
  const k: Diff = {};
  for (let j = 0; j < entries.length; j++) k[j] = fullEntry(newEntry(entries[j], wrap), entries[j], wrap);
  k.kc = entries.length;
  const stream: unknown[] = [value.ref, value.inserts, value.deletes];
  // The client resets when the fourth element is present at all, whatever its value.
  if (value.reset) stream.push(true);
  if (prev instanceof StreamNode && prev.statics === statics) return { k, stream };
  slots[i] = new StreamNode(statics);
  return { s: statics, k, stream };
}

function emptySlot(slots: Slot[], i: number, prev: Slot): unknown {
  if (prev === "") return undefined;
  slots[i] = "";
  return "";
}

function diffRendered(slots: Slot[], i: number, prev: Slot, rendered: Rendered): unknown {
  if (prev instanceof TreeNode && prev.statics === rendered.statics)
    return diffChildren(prev.slots, rendered);
  // A new fingerprint here: the client replaces the whole subtree, so send it with its statics.
  const node = new TreeNode(rendered.statics, new Array(rendered.statics.length - 1));
  slots[i] = node;
  return fullChildren(node.slots, rendered, { s: rendered.statics });
}

function diffArray(slots: Slot[], i: number, prev: Slot, items: readonly Dynamic[]): unknown {
  const statics = comprehensionStatics(items);
  if (statics === null) {
    // An empty list keeps an existing comprehension (and its fingerprint) alive, as `{"k":{"kc":0}}`,
    // so refilling it later needs no statics.
    if (items.length === 0 && prev instanceof ListNode) return diffList(prev, items);
    const h = renderDynamic(items);
    if (prev instanceof Safe ? prev.html === h : prev === h && h === "") return undefined;
    slots[i] = h === "" ? "" : new Safe(h);
    return h;
  }
  if (prev instanceof ListNode && prev.statics === statics) return diffList(prev, items);
  const node = new ListNode(statics, null, []);
  slots[i] = node;
  return fullList(node, items);
}

/**
 * The statics shared by a list's entries: the template's when every item is a template of the same
 * fingerprint, {@link WRAP} when the list holds templates of several kinds or mixes them with other
 * values, null when it holds no template at all (then it renders as one concatenated string).
 */
function comprehensionStatics(items: readonly Dynamic[]): readonly string[] | null {
  let statics: TemplateStringsArray | null = null;
  let templates = false;
  let mixed = false;
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    const r = item instanceof Keyed ? item.rendered : item;
    if (r instanceof Rendered) {
      templates = true;
      if (statics === null) statics = r.statics;
      else if (statics !== r.statics) mixed = true;
    } else {
      mixed = true;
      if (Array.isArray(r) && comprehensionStatics(r) !== null) templates = true;
    }
  }
  if (!templates) return null;
  return mixed ? WRAP : statics;
}

/** Entry keys: the key of each {@link Keyed} item, the index of any other; null when none is keyed. */
function keysOf(items: readonly Dynamic[]): (string | number)[] | null {
  let keys: (string | number)[] | null = null;
  for (let j = 0; j < items.length; j++) {
    const item = items[j];
    if (item instanceof Keyed) {
      if (keys === null) {
        keys = new Array(items.length);
        for (let m = 0; m < j; m++) keys[m] = m;
      }
      // Strings, so that a numeric key never collides with an unkeyed entry's index.
      keys[j] = String(item.key);
    } else if (keys !== null) {
      keys[j] = j;
    }
  }
  return keys;
}

function fullList(node: ListNode, items: readonly Dynamic[]): Diff {
  const wrap = node.statics === WRAP;
  const k: Diff = {};
  const entries: Slot[][] = new Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const entry = newEntry(items[j], wrap);
    k[j] = fullEntry(entry, items[j], wrap);
    entries[j] = entry;
  }
  k.kc = items.length;
  node.entries = entries;
  node.keys = keysOf(items);
  return { s: node.statics, k };
}

/**
 * The keyed update of a comprehension whose fingerprint is unchanged, or undefined if nothing changed.
 * Each new entry is matched to an old one by key (by index when unkeyed); a matched entry sends only
 * its changed dynamics, plus its old index if it moved; an unmatched one is sent in full.
 */
function diffList(node: ListNode, items: readonly Dynamic[]): Diff | undefined {
  const wrap = node.statics === WRAP;
  const oldEntries = node.entries;
  const oldKeys = node.keys;
  const oldLen = oldEntries.length;
  const n = items.length;
  const keys = keysOf(items);
  const k: Diff = {};
  let changed = n !== oldLen;
  let moved = false;

  if (keys === null && oldKeys === null) {
    // Index-keyed on both sides: entry j can only be old entry j, so nothing moves; update in place.
    for (let j = 0; j < n; j++) {
      if (j < oldLen) {
        const d = diffEntry(oldEntries[j], items[j], wrap);
        if (d !== undefined) {
          k[j] = d;
          changed = true;
        }
      } else {
        const entry = newEntry(items[j], wrap);
        k[j] = fullEntry(entry, items[j], wrap);
        oldEntries.push(entry);
      }
    }
    oldEntries.length = n;
  } else {
    const entries: Slot[][] = new Array(n);
    // Each old entry is reused at most once: with duplicate keys, two entries built from one old
    // entry would share one object in the client's tree, and a later diff to one would change both.
    const used = new Uint8Array(oldLen);
    let index: Map<string | number, number> | undefined;
    for (let j = 0; j < n; j++) {
      const key = keys === null ? j : keys[j];
      let from = -1;
      if (j < oldLen && used[j] === 0 && (oldKeys === null ? j : oldKeys[j]) === key) {
        from = j;
      } else {
        index ??= indexOf(oldKeys, oldLen);
        const at = index.get(key);
        if (at !== undefined && used[at] === 0) from = at;
      }
      if (from < 0) {
        // A new entry merges over whatever the client holds at index j, so it carries every dynamic.
        const entry = newEntry(items[j], wrap);
        k[j] = fullEntry(entry, items[j], wrap);
        entries[j] = entry;
        changed = true;
        continue;
      }
      used[from] = 1;
      const entry = oldEntries[from];
      const d = diffEntry(entry, items[j], wrap);
      entries[j] = entry;
      if (from === j) {
        if (d !== undefined) {
          k[j] = d;
          changed = true;
        }
      } else {
        k[j] = d === undefined ? from : [from, d];
        changed = moved = true;
      }
    }
    node.entries = entries;
    node.keys = keys;
  }

  if (!changed) return undefined;
  k.kc = n;
  // 1.2.12 reads moved entries from a clone of the old tree only when "km" is set.
  if (moved) k.km = true;
  return { k };
}

/** Old key -> old index (the first, if a key repeats). */
function indexOf(keys: (string | number)[] | null, length: number): Map<string | number, number> {
  const index = new Map<string | number, number>();
  for (let i = 0; i < length; i++) {
    const key = keys === null ? i : keys[i];
    if (!index.has(key)) index.set(key, i);
  }
  return index;
}

// Sized up front: an array grown from [] reserves room for ~17 slots, and there can be many entries.
function newEntry(item: Dynamic, wrap: boolean): Slot[] {
  return new Array(wrap ? 1 : entryTemplate(item).statics.length - 1);
}

function fullEntry(entry: Slot[], item: Dynamic, wrap: boolean): Diff {
  if (wrap) return { 0: diffSlot(entry, 0, item) };
  return fullChildren(entry, entryTemplate(item), {});
}

function diffEntry(entry: Slot[], item: Dynamic, wrap: boolean): Diff | undefined {
  if (wrap) {
    const d = diffSlot(entry, 0, item);
    return d === undefined ? undefined : { 0: d };
  }
  return diffChildren(entry, entryTemplate(item));
}

/** The template of an entry of a non-wrapped comprehension (which holds only templates). */
function entryTemplate(item: Dynamic): Rendered {
  return (item instanceof Keyed ? item.rendered : item) as Rendered;
}
