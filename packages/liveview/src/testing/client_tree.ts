/**
 * What the browser client keeps of a view's render, for the test harness: it merges join replies and
 * diffs by the rules of the pinned client's `rendered.js` (`mutableMerge`, `mergeKeyed`: a node with
 * `"s"` replaces, one without merges; `"k"` entries update in place, move from old indices, and past
 * `kc` are dropped) and renders the tree to HTML (`toOutputBuffer`). Components and streams are not
 * modelled, as the server does not produce them. A test checks it against the official client.
 */
export class ClientTree {
  #tree: Node = {};
  /** The last `"t"` received. */
  title: string | undefined;

  /** Merges a join's `rendered` or a `diff`; returns what it carried beside the tree. */
  merge(diff: Record<string, unknown>): { title?: string; events: unknown[]; reply?: unknown } {
    const { t, e, r, ...rest } = structuredClone(diff);
    if (typeof t === "string") this.title = t;
    this.#tree = mergeNode(this.#tree, rest as Node);
    return { title: t as string | undefined, events: Array.isArray(e) ? e : [], reply: r };
  }

  /** The view's HTML, as the client would put it into the container. */
  html(): string {
    if (this.#tree.s === undefined) return "";
    return toHtml(this.#tree, undefined);
  }
}

type Node = { [key: string]: any };

function isObject(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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
  if (source.p !== undefined) target.p = source.p;
}

function statics(node: Node, templates: Node | undefined): string[] {
  const s = node.s;
  return typeof s === "number" ? (templates?.[s] as string[]) : (s as string[]);
}

function toHtml(node: Node, templates: Node | undefined): string {
  if (node.k !== undefined) {
    const shared = node.p ?? templates;
    const s = statics(node, shared);
    let out = "";
    for (let i = 0; i < node.k.kc; i++) {
      const entry = node.k[i];
      out += s[0];
      for (let j = 1; j < s.length; j++) out += dynamic(entry[j - 1], shared) + s[j];
    }
    return out;
  }
  const shared = node.p ?? templates;
  const s = statics(node, shared);
  let out = s[0];
  for (let j = 1; j < s.length; j++) out += dynamic(node[j - 1], shared) + s[j];
  return out;
}

function dynamic(value: unknown, templates: Node | undefined): string {
  if (isObject(value)) return toHtml(value, templates);
  if (typeof value === "string") return value;
  return value === undefined || value === null ? "" : String(value);
}
