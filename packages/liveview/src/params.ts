/**
 * Form and query parameters, decoded as Phoenix (Plug.Conn.Query) decodes them: `a=1` is a string,
 * `user[name]=x` a nested object, `tags[]=a&tags[]=b` an array, `items[][id]=1&items[][id]=2` an array of
 * objects. Later keys win over earlier ones. Every object is made without a prototype
 * (`Object.create(null)`): each key there is one the client sent, so `params.toString` is `undefined`
 * or the client's string, never a function a view could trip over (use `Object.hasOwn`, not
 * `params.hasOwnProperty`).
 */
export type Params = { [key: string]: ParamValue };
/** A value in {@link Params}. */
export type ParamValue = string | Params | ParamValue[];

// Beyond these a request is hostile rather than a form: stop, rather than spend memory and time on it.
const MAX_PAIRS = 10_000;
const MAX_DEPTH = 32;

/** Decodes an `application/x-www-form-urlencoded` string (a query string, without `?`) into {@link Params}. */
export function decodeParams(encoded: string): Params {
  const root = emptyParams();
  if (typeof encoded !== "string" || encoded === "") return root;
  let pairs = 0;
  let start = 0;
  while (start <= encoded.length && pairs < MAX_PAIRS) {
    let end = encoded.indexOf("&", start);
    if (end < 0) end = encoded.length;
    if (end > start) {
      const pair = encoded.slice(start, end);
      const eq = pair.indexOf("=");
      const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1));
      if (key !== "") put(root, keyPath(key), 0, value);
      pairs++;
    }
    start = end + 1;
  }
  return root;
}

/**
 * The path a form field name stands for: `user[email]` -> `["user", "email"]`. List markers (`[]`)
 * are dropped, as Phoenix does for `_target`.
 */
export function decodeTarget(name: string): string[] {
  return keyPath(name).filter((segment) => segment !== "");
}

/**
 * The urlencoded form of nested params, the inverse of {@link decodeParams} (used by the test harness
 * to submit forms exactly as the browser client would).
 */
export function encodeParams(params: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (prefix: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(`${prefix}[]`, item);
      return;
    }
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(prefix === "" ? k : `${prefix}[${k}]`, v);
      return;
    }
    parts.push(`${encodeComponent(prefix)}=${encodeComponent(String(value))}`);
  };
  walk("", params);
  return parts.join("&");
}

/** `user[address][city]` -> `["user", "address", "city"]`; `tags[]` -> `["tags", ""]`. */
function keyPath(key: string): string[] {
  const open = key.indexOf("[");
  // A key that starts with "[" or has no brackets is taken literally, as Plug does.
  if (open <= 0) return [key];
  const path = [key.slice(0, open)];
  let i = open;
  while (i < key.length && key.charCodeAt(i) === 91 /* [ */) {
    const close = key.indexOf("]", i + 1);
    if (close < 0) break;
    if (path.length >= MAX_DEPTH) {
      // Deeper than any real form: keep the rest as one literal key instead of recursing further.
      path.push(key.slice(i));
      return path;
    }
    path.push(key.slice(i + 1, close));
    i = close + 1;
  }
  return path;
}

/** Stores `value` at `path[i..]` under `target`. */
function put(target: Params, path: string[], i: number, value: string): void {
  const key = path[i];
  // The one key that would not create an own property but replace the object's prototype.
  if (key === "__proto__") return;
  if (i === path.length - 1) {
    target[key] = value;
    return;
  }
  const next = path[i + 1];
  if (next === "") {
    let list = Object.hasOwn(target, key) ? target[key] : undefined;
    if (!Array.isArray(list)) target[key] = list = [];
    if (i + 1 === path.length - 1) {
      list.push(value);
      return;
    }
    // `items[][id]=1&items[][name]=a&items[][id]=2`: a field fills the last object of the list until
    // that object already has it, then a new object begins (Plug's rule).
    const field = path[i + 2];
    const last = list[list.length - 1];
    let obj: Params;
    if (isParams(last) && field !== "" && !Object.hasOwn(last, field)) obj = last;
    else list.push((obj = emptyParams()));
    put(obj, path, i + 2, value);
    return;
  }
  let child = Object.hasOwn(target, key) ? target[key] : undefined;
  if (!isParams(child)) target[key] = child = emptyParams();
  put(child, path, i + 1, value);
}

/** A params object without a prototype (see {@link Params}). */
export function emptyParams(): Params {
  return Object.create(null);
}

function isParams(v: ParamValue | undefined): v is Params {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function decodeComponent(s: string): string {
  const spaced = s.includes("+") ? s.replaceAll("+", " ") : s;
  if (!spaced.includes("%")) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape is kept as typed rather than failing the whole event.
    return spaced;
  }
}

function encodeComponent(s: string): string {
  return encodeURIComponent(s).replaceAll("%20", "+");
}
