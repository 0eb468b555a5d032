/**
 * What the browser client keeps of a view's render, for the test harness: it merges join replies and
 * diffs by the rules of the pinned client's `rendered.js` (`mutableMerge`, `mergeKeyed`: a node with
 * `"s"` replaces, one without merges; `"k"` entries update in place, move from old indices, and past
 * `kc` are dropped; `"c"` components by cid, sharing statics by positive or negative cid) and renders the
 * tree to HTML (`toOutputBuffer`), each component's root marked `data-phx-component`. Streams are kept as
 * the browser keeps them, in its DOM: per stream, the ordered children, updated by each diff's inserts,
 * deletes, resets and limits (`dom_patch.ts`). A test checks it against the official client.
 */
export class ClientTree {
  #tree: Node = {};
  #components: Record<string, Node> = {};
  /** Per stream reference, its children in page order. */
  readonly #streams = new Map<string, StreamChild[]>();
  /** The last `"t"` received. */
  title: string | undefined;

  /** Merges a join's `rendered` or a `diff`; returns what it carried beside the tree. */
  merge(diff: Record<string, unknown>): { title?: string; events: unknown[]; reply?: unknown } {
    const { t, e, r, c, ...rest } = structuredClone(diff);
    if (typeof t === "string") this.title = t;
    this.#tree = mergeNode(this.#tree, rest as Node);
    if (isObject(c)) this.#mergeComponents(c);
    this.#applyStreams(this.#tree);
    for (const cid of Object.keys(this.#components)) this.#applyStreams(this.#components[cid]);
    return { title: t as string | undefined, events: Array.isArray(e) ? e : [], reply: r };
  }

  /** The view's HTML, as the client would put it into the container. */
  html(): string {
    if (this.#tree.s === undefined) return "";
    return this.#toHtml(this.#tree, undefined, new Set());
  }

  /** The HTML of the component `cid` (its root element included), or undefined if the client has none. */
  componentHtml(cid: number): string | undefined {
    return this.#components[cid] === undefined ? undefined : this.#component(cid, new Set());
  }

  /** The cids the client holds. */
  cids(): number[] {
    return Object.keys(this.#components).map(Number);
  }

  /** The cids the client holds but the page no longer shows: what it asks the server to destroy. */
  orphans(): number[] {
    const shown = new Set<number>();
    if (this.#tree.s !== undefined) this.#toHtml(this.#tree, undefined, shown);
    return this.cids().filter((cid) => !shown.has(cid));
  }

  /** Forgets components, once the server confirmed their destruction. */
  prune(cids: readonly number[]): void {
    for (const cid of cids) delete this.#components[cid];
  }

  #mergeComponents(newc: Node): void {
    const oldc = this.#components;
    const cache: Record<string, Node> = {};
    const find = (cid: string): Node => {
      if (cache[cid] !== undefined) return cache[cid];
      const cdiff = newc[cid] as Node;
      const scid = cdiff.s;
      let out: Node;
      if (typeof scid === "number") {
        const from = scid > 0 ? find(String(scid)) : oldc[-scid];
        if (from === undefined) throw new Error(`diff shares statics with unknown component ${scid}`);
        out = cloneMerge(from, cdiff);
        out.s = from.s;
      } else {
        out = cdiff.s !== undefined || oldc[cid] === undefined ? cdiff : cloneMerge(oldc[cid], cdiff);
      }
      cache[cid] = out;
      return out;
    };
    const merged: Record<string, Node> = {};
    for (const cid of Object.keys(newc)) merged[cid] = find(cid);
    Object.assign(oldc, merged);
  }

  /** Applies, then drops, the stream operations a merge left in `node`'s comprehensions. */
  #applyStreams(node: Node): void {
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (!isObject(child)) continue;
      if (child.k !== undefined && Array.isArray(child.stream)) {
        const [ref, inserts, deletes, reset] = child.stream as [string, StreamInsert[], string[], unknown];
        const htmls: string[] = [];
        const s = statics(child, child.p);
        for (let i = 0; i < child.k.kc; i++) htmls.push(this.#entryHtml(child.k[i], s, child.p, new Set()));
        applyStream(this.#streams, ref, inserts, deletes, reset !== undefined, htmls);
        child.k = { kc: 0 };
        child.streamRef = ref;
        delete child.stream;
      } else {
        this.#applyStreams(child);
      }
    }
  }

  #toHtml(node: Node, templates: Node | undefined, shown: Set<number>): string {
    if (node.k !== undefined) {
      const shared = node.p ?? templates;
      let out = "";
      // A stream renders the children the page holds for it.
      if (typeof node.streamRef === "string")
        for (const c of this.#streams.get(node.streamRef) ?? []) out += c.html;
      const s = statics(node, shared);
      for (let i = 0; i < node.k.kc; i++) out += this.#entryHtml(node.k[i], s, shared, shown);
      return out;
    }
    const shared = node.p ?? templates;
    return this.#entryHtml(node, statics(node, shared), shared, shown);
  }

  #entryHtml(entry: Node, s: string[], templates: Node | undefined, shown: Set<number>): string {
    let out = s[0];
    for (let j = 1; j < s.length; j++) out += this.#dynamic(entry[j - 1], templates, shown) + s[j];
    return out;
  }

  #dynamic(value: unknown, templates: Node | undefined, shown: Set<number>): string {
    if (typeof value === "number") return this.#component(value, shown);
    if (isObject(value)) return this.#toHtml(value, templates, shown);
    if (typeof value === "string") return value;
    return value === undefined || value === null ? "" : String(value);
  }

  #component(cid: number, shown: Set<number>): string {
    const node = this.#components[cid];
    if (node === undefined)
      throw new Error(`the diff refers to component ${cid}, which the client does not hold`);
    shown.add(cid);
    const html = this.#toHtml(node, undefined, shown);
    // The client stamps the component's root element with its cid.
    return html.replace(/^(\s*<[^\s/>]+)/, `$1 data-phx-component="${cid}"`);
  }
}

type Node = { [key: string]: any };
export type StreamInsert = [domId: string, at: number, limit: number | null, updateOnly: boolean];
export interface StreamChild {
  id: string;
  html: string;
}

function isObject(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * What the browser's DOM patch does to a stream's children: a reset removes them all, deletes remove by
 * id, then each insert in turn updates the child with its id in place or (unless update-only) adds it at
 * `at` (0 first, -1 last, n before the n-th child) and trims the children to `limit` (from the end when
 * positive, from the start when negative).
 */
export function applyStream(
  streams: Map<string, StreamChild[]>,
  ref: string,
  inserts: readonly StreamInsert[],
  deletes: readonly string[],
  reset: boolean,
  htmls: readonly string[],
): void {
  let children = streams.get(ref) ?? [];
  const before = new Set(children.map((c) => c.id));
  if (reset) children = [];
  children = children.filter((c) => !deletes.includes(c.id));
  inserts.forEach(([id, at, limit, updateOnly], i) => {
    const html = htmls[i] ?? "";
    const existing = children.find((c) => c.id === id);
    if (existing !== undefined) {
      existing.html = html;
      return;
    }
    // An update-only insert adds nothing, unless a reset in this very diff removed the child.
    if (updateOnly && !(reset && before.has(id))) return;
    const child = { id, html };
    if (at === 0) children.unshift(child);
    else if (at < 0 || at >= children.length) children.push(child);
    else children.splice(at, 0, child);
    if (limit !== null && limit !== undefined) {
      if (limit < 0 && children.length > -limit) children = children.slice(children.length + limit);
      else if (limit >= 0 && children.length > limit) children = children.slice(0, limit);
    }
  });
  streams.set(ref, children);
}

function mergeNode(target: Node, source: Node): Node {
  if (source.s !== undefined) return source;
  merge(target, source);
  return target;
}

function merge(target: Node, source: Node): void {
  if (source.k !== undefined) {
    mergeKeyed(target, source);
    return;
  }
  for (const key of Object.keys(source)) {
    const val = source[key];
    const old = target[key];
    if (isObject(val) && val.s === undefined && isObject(old)) merge(old, val);
    else target[key] = val;
  }
}

/** A component's tree with a diff merged in, leaving the original untouched (`cloneMerge`). */
function cloneMerge(target: Node, source: Node): Node {
  if (source.k !== undefined) {
    const merged = structuredClone(target);
    mergeKeyed(merged, source);
    return merged;
  }
  const merged: Node = { ...target, ...source };
  for (const key of Object.keys(merged)) {
    const val = source[key];
    const old = target[key];
    if (isObject(val) && val.s === undefined && isObject(old)) merged[key] = cloneMerge(old, val);
    else if (val === undefined && isObject(old)) merged[key] = cloneMerge(old, {});
  }
  return merged;
}

function mergeKeyed(target: Node, source: Node): void {
  const src = source.k as Node;
  // Moves read from the entries as they were before this diff.
  const before = src.km === true ? structuredClone(target.k) : target.k;
  for (const [i, entry] of Object.entries(src)) {
    if (i === "kc" || i === "km") continue;
    if (Array.isArray(entry)) {
      target.k[i] = before[entry[0]];
      merge(target.k[i], entry[1]);
    } else if (typeof entry === "number") {
      target.k[i] = before[entry];
    } else if (isObject(entry)) {
      target.k[i] ??= {};
      merge(target.k[i], entry);
    }
  }
  for (let i = src.kc; i < target.k.kc; i++) delete target.k[i];
  target.k.kc = src.kc;
  if (source.stream !== undefined) target.stream = source.stream;
  if (source.p !== undefined) target.p = source.p;
}

function statics(node: Node, templates: Node | undefined): string[] {
  const s = node.s;
  return typeof s === "number" ? (templates?.[s] as string[]) : (s as string[]);
}
