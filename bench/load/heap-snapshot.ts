/**
 * A V8 heap snapshot (`.heapsnapshot`, as `v8.writeHeapSnapshot` writes it) summed by kind of object: how many
 * nodes of each kind and their self size. Two of them, taken before and after adding connections, give what
 * each connection costs by kind (`diffKinds`). The format is V8's: flat `nodes` and `edges` arrays described
 * by `snapshot.meta`; only the nodes are read here.
 */
import { readFileSync } from "node:fs";

/** Count and self size (bytes) of one kind of object. */
export interface KindTotal {
  count: number;
  self: number;
}

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

/** Node types whose name is their constructor (objects) or their function's name (closures). */
const NAMED = new Set(["object", "closure", "native", "regexp"]);
/** Every string representation counts as one kind: their names are their contents. */
const STRINGS = new Set(["string", "concatenated string", "sliced string"]);

/**
 * Totals by kind: an object by its constructor's name, a closure as `fn()` by its function's name, every
 * string as `(string)`, anything else (V8's internal arrays, contexts, code, shapes) as `(type) name`.
 */
export function readKinds(path: string): Map<string, KindTotal> {
  const file = JSON.parse(readFileSync(path, "utf8")) as SnapshotFile;
  const fields = file.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const selfAt = fields.indexOf("self_size");
  const types = file.snapshot.meta.node_types[0];
  const { nodes, strings } = file;
  const totals = new Map<string, KindTotal>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    const name = strings[nodes[i + nameAt]];
    const key = kindOf(type, name);
    const t = totals.get(key);
    if (t === undefined) totals.set(key, { count: 1, self: nodes[i + selfAt] });
    else {
      t.count++;
      t.self += nodes[i + selfAt];
    }
  }
  return totals;
}

function kindOf(type: string, name: string): string {
  if (STRINGS.has(type)) return "(string)";
  if (type === "closure") return `${name || "(anonymous)"}()`;
  if (NAMED.has(type)) return name.length > 60 ? `${name.slice(0, 57)}...` : name;
  // Internal nodes' names are often unique (code by function, arrays by owner): keep them short.
  const short = name.replace(/\s+/g, " ").slice(0, 40);
  return `(${type}) ${short}`;
}

/** One kind's growth between two snapshots, per unit added (a connection). */
export interface KindDelta {
  kind: string;
  count: number;
  self: number;
}

/** What each of `units` added things cost by kind (`after` minus `before`, divided), largest first. */
export function diffKinds(
  before: Map<string, KindTotal>,
  after: Map<string, KindTotal>,
  units: number,
): KindDelta[] {
  const out: KindDelta[] = [];
  for (const [kind, a] of after) {
    const b = before.get(kind) ?? { count: 0, self: 0 };
    out.push({ kind, count: (a.count - b.count) / units, self: (a.self - b.self) / units });
  }
  for (const [kind, b] of before)
    if (!after.has(kind)) out.push({ kind, count: -b.count / units, self: -b.self / units });
  return out.sort((x, y) => y.self - x.self);
}
