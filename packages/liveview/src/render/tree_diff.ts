import { ComponentCall } from "./component_call.js";
import { escapeHtml } from "./escape.js";
import { type Dynamic, Keyed, Rendered, renderDynamic, Safe } from "./rendered.js";
import { StreamEntries } from "./stream_entries.js";
import { textOfValue } from "./template_value.js";

// How one render is compared with the tree the client holds, slot by slot. Comprehensions and streams are
// here, beside plain slots, as the comparison recurses through their entries; the components' own trees
// are kept in component_diff.ts.

/**
 * A rendered diff in the wire format of the pinned client (phoenix_live_view 1.2.12, `rendered.js`),
 * ready for `JSON.stringify`: `"s"` statics, `"0"`, `"1"`, ... dynamics, `"k"` keyed comprehensions
 * (with `"stream"` for a stream's), integer cids for live components, and at the top level `"c"`
 * (components by cid), `"t"` (title) and `"e"` (events). Statics arrays are the templates' own
 * (frozen) strings arrays, shared rather than copied.
 */
export type Diff = { [key: string]: unknown };

// The tree remembered per view mirrors what the client holds, but stores leaves as the raw values the
// template received rather than as escaped HTML: an unchanged value is then detected with `===` and
// never escaped again, and the strings are usually shared with the view's assigns instead of copied.

/** Text (escaped when sent), or trusted HTML. `""` also stands for null/undefined/booleans. */
type Leaf = string | number | bigint | Safe;
export type Slot = Leaf | TreeNode | ListNode | CidSlot | StreamNode | undefined;

/** A template at one position: its fingerprint and the last value of each dynamic. */
export class TreeNode {
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

/** A fresh tree for `rendered`, nothing of it sent yet. */
export function newTree(rendered: Rendered): TreeNode {
  return new TreeNode(rendered.statics, new Array(rendered.statics.length - 1));
}

/** Where a template's `liveComponent(...)` finds its cid (component_diff.ts). */
export interface ComponentHost {
  cidFor(call: ComponentCall): number;
}

/** The components of the render under way: templates reach them through it. */
let host: ComponentHost | null = null;

/** Runs `render` with `components` in reach of its templates' `liveComponent(...)`. */
export function withComponents<T>(components: ComponentHost, render: () => T): T {
  const outer = host;
  host = components;
  try {
    return render();
  } finally {
    host = outer;
  }
}

/** Fills `out` with every dynamic of `rendered`, recording them in the fresh `slots`. */
export function fullChildren(slots: Slot[], rendered: Rendered, out: Diff): Diff {
  const { statics, dynamics } = rendered;
  // On fresh slots nothing compares equal, so diffSlot always returns the full value.
  for (let i = 0; i < statics.length - 1; i++) out[i] = diffSlot(slots, i, dynamics[i]);
  return out;
}

/** The changed dynamics of a template with an unchanged fingerprint, or undefined if none changed. */
export function diffChildren(slots: Slot[], rendered: Rendered): Diff | undefined {
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
  const node = newTree(rendered);
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
