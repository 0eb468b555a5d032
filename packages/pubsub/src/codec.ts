import { Pid } from "@cinder/actors";
import { CodecError } from "./errors.js";
import { DEFAULT_LIMITS, type ReceiveLimits } from "./limits.js";

/** The limits a codec applies to one message (the adapter passes its own; see `ReceiveLimits`). */
export type CodecLimits = Pick<ReceiveLimits, "maxDepth" | "maxBigIntLength" | "maxBytesLength">;

/**
 * Turns a message into JSON-compatible data and back, for adapters that cross a process boundary. `encode`
 * must throw (a `CodecError`) for what it cannot carry, or what is past `limits` (receivers would drop it);
 * `decode(encode(v))` must equal `v`. `decode` reads data from another node: it must throw a `CodecError`
 * for anything it did not write and for what is past `limits`, and never run for long on a short input.
 */
export interface Codec {
  encode(value: unknown, limits?: CodecLimits): unknown;
  decode(data: unknown, limits?: CodecLimits): unknown;
}

// The tagged-JSON format. Plain data is itself; everything else is a one-key object whose key is a tag:
//   {"~p":[node,id,creation]} Pid   {"~d":ms|null} Date   {"~m":[[k,v],...]} Map   {"~s":[v,...]} Set
//   {"~b":"123"} BigInt    {"~8":"base64"} Uint8Array   {"~B":"base64"} Buffer
//   {"~n":"NaN"|"Infinity"|"-Infinity"|"-0"} numbers JSON cannot write   {"~u":0} undefined
// A plain object's own keys that start with "~" get one more "~" ("~x" -> "~~x"), so no user key is ever
// read as a tag. JSON is used (not v8.serialize) because it is fast in V8, readable in `redis-cli MONITOR`,
// and v8.serialize would silently turn class instances into plain objects.

const TILDE = 126;
const DIGITS = /^-?[0-9]+$/;

/**
 * The default codec: plain data (objects, arrays, strings, numbers, booleans, null, undefined) and `Pid`,
 * `Date`, `Map`, `Set`, `BigInt`, `Uint8Array`, `Buffer`. Functions, symbols, class instances it does not know,
 * and cycles throw a `CodecError` naming where they are, and so does what is past the limits (nesting, BigInt
 * and byte lengths; `DEFAULT_LIMITS` unless given). Shared references arrive as copies, a null-prototype
 * object as a plain one. A decoded `Pid` names the same process (`equals` holds) but is not connected to it:
 * sending to it is a no-op.
 */
export const jsonCodec: Codec = {
  encode: (value, limits = DEFAULT_LIMITS) => enc(value, { seen: null, path: [], limits }),
  decode: (data, limits = DEFAULT_LIMITS) => dec(data, 0, limits),
};

/** Encoding state for one message: the objects on the current path (cycle check) and the keys leading there. */
interface Ctx {
  seen: Set<object> | null;
  path: (string | number)[];
  limits: CodecLimits;
}

function fail(ctx: Ctx, reason: string, limit?: keyof CodecLimits): CodecError {
  return new CodecError(reason, ctx.path.slice(), limit);
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
    case "bigint": {
      const digits = v.toString();
      if (digits.length > ctx.limits.maxBigIntLength) {
        throw fail(
          ctx,
          `a BigInt of ${digits.length} characters is past limits.maxBigIntLength (${ctx.limits.maxBigIntLength}), which receivers refuse`,
          "maxBigIntLength",
        );
      }
      return { "~b": digits };
    }
    case "function":
      throw fail(ctx, `cannot send a function (${(v as Function).name || "anonymous"}) to another node`);
    case "symbol":
      throw fail(ctx, `cannot send a symbol (${String(v)}) to another node`);
  }
  if (v === null) return null;
  const o = v as object;
  const max = ctx.limits.maxDepth;
  // The container at path length n is nesting level n + 1.
  if (ctx.path.length >= max) {
    throw fail(ctx, `nested deeper than limits.maxDepth (${max} levels), which receivers refuse`, "maxDepth");
  }
  if (o instanceof Pid) {
    o.markExported();
    return { "~p": [o.node, o.id, o.creation] };
  }
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
  if (proto === Uint8Array.prototype) return { "~8": base64(o as Uint8Array, ctx) };
  if (proto === Buffer.prototype) return { "~B": base64(o as Uint8Array, ctx) };
  throw unknownClass(o, ctx);
}

function unknownClass(o: object, ctx: Ctx): CodecError {
  const name = (o as { constructor?: { name?: string } }).constructor?.name || "an unnamed class";
  return fail(
    ctx,
    `cannot send an instance of ${name} to another node (send plain data, Pid, Date, Map, Set, BigInt or Uint8Array)`,
  );
}

function base64(b: Uint8Array, ctx: Ctx): string {
  const length = Math.ceil(b.byteLength / 3) * 4;
  if (length > ctx.limits.maxBytesLength) {
    throw fail(
      ctx,
      `${b.byteLength} bytes take ${length} characters of base64, past limits.maxBytesLength (${ctx.limits.maxBytesLength}), which receivers refuse`,
      "maxBytesLength",
    );
  }
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

// Decoding reads another node's data: every tag's argument is checked before use, and a length before the
// work that grows with it (BigInt parsing is quadratic in its digits).

function dec(v: unknown, depth: number, limits: CodecLimits): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (depth >= limits.maxDepth) {
    throw new CodecError(`nested deeper than limits.maxDepth (${limits.maxDepth} levels)`, [], "maxDepth");
  }
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = dec(v[i], depth + 1, limits);
    return out;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].charCodeAt(0) === TILDE && keys[0].charCodeAt(1) !== TILDE) {
    return decTag(keys[0], o[keys[0]], depth, limits);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) define(out, k.charCodeAt(0) === TILDE ? k.slice(1) : k, dec(o[k], depth + 1, limits));
  return out;
}

function decTag(tag: string, x: unknown, depth: number, limits: CodecLimits): unknown {
  switch (tag) {
    case "~p":
      if (isPidTuple(x)) return Pid.remote(x[0], x[1], x[2] ?? 0);
      break;
    case "~d":
      if (x === null) return new Date(Number.NaN);
      if (typeof x === "number") return new Date(x);
      break;
    case "~m": {
      if (!Array.isArray(x)) break;
      const m = new Map();
      for (const e of x) {
        if (!Array.isArray(e) || e.length !== 2) throw bad(tag);
        m.set(dec(e[0], depth + 1, limits), dec(e[1], depth + 1, limits));
      }
      return m;
    }
    case "~s": {
      if (!Array.isArray(x)) break;
      const s = new Set();
      for (const val of x) s.add(dec(val, depth + 1, limits));
      return s;
    }
    case "~b":
      if (typeof x !== "string") break;
      if (x.length > limits.maxBigIntLength) {
        throw new CodecError(
          `a BigInt of ${x.length} characters is past limits.maxBigIntLength (${limits.maxBigIntLength})`,
          [],
          "maxBigIntLength",
        );
      }
      if (!DIGITS.test(x)) break;
      return BigInt(x);
    case "~8":
    case "~B": {
      if (typeof x !== "string") break;
      if (x.length > limits.maxBytesLength) {
        throw new CodecError(
          `bytes of ${x.length} base64 characters are past limits.maxBytesLength (${limits.maxBytesLength})`,
          [],
          "maxBytesLength",
        );
      }
      const b = Buffer.from(x, "base64");
      return tag === "~B" ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    case "~n":
      if (x === "-0") return -0;
      if (x === "NaN" || x === "Infinity" || x === "-Infinity") return Number(x);
      break;
    case "~u":
      return undefined;
    default:
      throw new CodecError(`unknown tag ${JSON.stringify(tag.slice(0, 20))} in a received message`);
  }
  throw bad(tag);
}

function bad(tag: string): CodecError {
  return new CodecError(`a malformed ${tag} value in a received message`);
}

/** `[node, id]` or `[node, id, creation]`, as a pid travels. */
export function isPidTuple(x: unknown): x is [string, number, number?] {
  return (
    Array.isArray(x) &&
    (x.length === 2 || x.length === 3) &&
    typeof x[0] === "string" &&
    Number.isSafeInteger(x[1]) &&
    (x[1] as number) >= 0 &&
    (x.length === 2 || Number.isSafeInteger(x[2]))
  );
}

/** Sets `out[k] = v` even for `"__proto__"` (a plain assignment would change the prototype instead). */
function define(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === "__proto__")
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}
