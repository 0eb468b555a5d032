import { Pid } from "@cinder/actors";
import { CodecError } from "./errors.js";

/**
 * Turns a message into JSON-compatible data and back, for adapters that cross a process boundary. `encode`
 * must throw (a `CodecError`) for what it cannot carry; `decode(encode(v))` must equal `v`.
 */
export interface Codec {
  encode(value: unknown): unknown;
  decode(data: unknown): unknown;
}

// The tagged-JSON format. Plain data is itself; everything else is a one-key object whose key is a tag:
//   {"~p":[node,id,creation]} Pid   {"~d":ms|null} Date   {"~m":[[k,v],...]} Map   {"~s":[v,...]} Set
//   {"~b":"123"} BigInt    {"~8":"base64"} Uint8Array   {"~B":"base64"} Buffer
//   {"~n":"NaN"|"Infinity"|"-Infinity"|"-0"} numbers JSON cannot write   {"~u":0} undefined
// A plain object's own keys that start with "~" get one more "~" ("~x" -> "~~x"), so no user key is ever
// read as a tag. JSON is used (not v8.serialize) because it is fast in V8, readable in `redis-cli MONITOR`,
// and v8.serialize would silently turn class instances into plain objects.

const TILDE = 126;
const MAX_DEPTH = 1000;

/**
 * The default codec: plain data (objects, arrays, strings, numbers, booleans, null, undefined) and `Pid`,
 * `Date`, `Map`, `Set`, `BigInt`, `Uint8Array`, `Buffer`. Functions, symbols, class instances it does not know,
 * and cycles throw a `CodecError` naming where they are. Shared references arrive as copies, a null-prototype
 * object as a plain one. A decoded `Pid` names the same process (`equals` holds) but is not connected to it:
 * sending to it is a no-op.
 */
export const jsonCodec: Codec = {
  encode: (value) => enc(value, { seen: null, path: [] }),
  decode: (data) => dec(data, 0),
};

/** Encoding state for one message: the objects on the current path (cycle check) and the keys leading there. */
interface Ctx {
  seen: Set<object> | null;
  path: (string | number)[];
}

function fail(ctx: Ctx, reason: string): CodecError {
  return new CodecError(reason, ctx.path.slice());
}

function enc(v: unknown, ctx: Ctx): unknown {
  switch (typeof v) {
    case "string":
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { "~n": Object.is(v, -0) ? "-0" : String(v) };
    case "undefined":
      return { "~u": 0 };
    case "bigint":
      return { "~b": v.toString() };
    case "function":
      throw fail(ctx, `cannot send a function (${(v as Function).name || "anonymous"}) to another node`);
    case "symbol":
      throw fail(ctx, `cannot send a symbol (${String(v)}) to another node`);
  }
  if (v === null) return null;
  const o = v as object;
  if (o instanceof Pid) return { "~p": [o.node, o.id, o.creation] };
  if (ctx.path.length > MAX_DEPTH) throw fail(ctx, `nested deeper than ${MAX_DEPTH} levels`);
  // Only the objects on the current path are in `seen` (made for the first container of a message).
  const seen = (ctx.seen ??= new Set());
  if (seen.has(o)) throw fail(ctx, "cannot send a cyclic structure to another node");
  seen.add(o);
  const out = encObject(o, ctx);
  seen.delete(o);
  return out;
}

function encObject(o: object, ctx: Ctx): unknown {
  const proto = Object.getPrototypeOf(o);
  const path = ctx.path;
  if (Array.isArray(o)) {
    if (proto !== Array.prototype) throw unknownClass(o, ctx);
    const out = new Array(o.length);
    for (let i = 0; i < o.length; i++) {
      path.push(i);
      out[i] = enc(o[i], ctx);
      path.pop();
    }
    return out;
  }
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      path.push(k);
      define(out, k.charCodeAt(0) === TILDE ? `~${k}` : k, enc((o as Record<string, unknown>)[k], ctx));
      path.pop();
    }
    return out;
  }
  if (proto === Date.prototype) {
    const t = (o as Date).getTime();
    return { "~d": Number.isNaN(t) ? null : t };
  }
  if (proto === Map.prototype) {
    const out: unknown[] = [];
    for (const [k, val] of o as Map<unknown, unknown>) {
      path.push(out.length);
      out.push([enc(k, ctx), enc(val, ctx)]);
      path.pop();
    }
    return { "~m": out };
  }
  if (proto === Set.prototype) {
    const out: unknown[] = [];
    for (const val of o as Set<unknown>) {
      path.push(out.length);
      out.push(enc(val, ctx));
      path.pop();
    }
    return { "~s": out };
  }
  if (proto === Uint8Array.prototype) return { "~8": base64(o as Uint8Array) };
  if (proto === Buffer.prototype) return { "~B": base64(o as Uint8Array) };
  throw unknownClass(o, ctx);
}

function unknownClass(o: object, ctx: Ctx): CodecError {
  const name = (o as { constructor?: { name?: string } }).constructor?.name || "an unnamed class";
  return fail(
    ctx,
    `cannot send an instance of ${name} to another node (send plain data, Pid, Date, Map, Set, BigInt or Uint8Array)`,
  );
}

function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

function dec(v: unknown, depth: number): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (depth > 4 * MAX_DEPTH) throw new CodecError(`nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = dec(v[i], depth + 1);
    return out;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].charCodeAt(0) === TILDE && keys[0].charCodeAt(1) !== TILDE) {
    return decTag(keys[0], o[keys[0]], depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) define(out, k.charCodeAt(0) === TILDE ? k.slice(1) : k, dec(o[k], depth + 1));
  return out;
}

function decTag(tag: string, x: unknown, depth: number): unknown {
  switch (tag) {
    case "~p": {
      const [node, id, creation = 0] = x as [string, number, number?];
      if (typeof node !== "string" || typeof id !== "number" || typeof creation !== "number") break;
      return Pid.remote(node, id, creation);
    }
    case "~d":
      return new Date(x === null ? Number.NaN : (x as number));
    case "~m": {
      const m = new Map();
      for (const [k, val] of x as [unknown, unknown][]) m.set(dec(k, depth), dec(val, depth));
      return m;
    }
    case "~s": {
      const s = new Set();
      for (const val of x as unknown[]) s.add(dec(val, depth));
      return s;
    }
    case "~b":
      return BigInt(x as string);
    case "~8": {
      const b = Buffer.from(x as string, "base64");
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    case "~B":
      return Buffer.from(x as string, "base64");
    case "~n":
      return x === "-0" ? -0 : Number(x);
    case "~u":
      return undefined;
  }
  throw new CodecError(`unknown tag ${JSON.stringify(tag)} in a received message`);
}

/** Sets `out[k] = v` even for `"__proto__"` (a plain assignment would change the prototype instead). */
function define(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}
