import fc from "fast-check";
import { afterEach, describe, expect, test } from "vitest";
import { deepFreezeAssign } from "../src/view/deep_freeze.js";
import { ViewSocket } from "../src/view/view_socket.js";

// Laws, for any value built of plain objects, arrays, primitives and things that are not frozen (Map, Set,
// typed arrays, class instances): (1) after assigning it in development or test, every plain object and
// array reachable without passing through one of those things is frozen, and nothing else is; (2) its
// JSON, keys and spread are what they were; (3) in production nothing is frozen.

class Point {
  constructor(public x: number) {}
}

const leaf = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 3 }),
  fc.constant(null),
  fc.boolean(),
  fc.constant(undefined),
  fc.integer().map((n) => new Point(n)),
  fc.constant(0).map(() => new Map([["k", { inner: [1] }]])),
  fc.constant(0).map(() => new Set([[1]])),
  fc.constant(0).map(() => new Uint8Array([1, 2])),
);
const tree = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "items"), tie("node"), { maxKeys: 3 }),
    fc.dictionary(fc.constantFrom("a", "b"), tie("node"), { maxKeys: 2, noNullPrototype: false }),
  ),
})).node;

/** Every object reachable from `v` and whether the law wants it frozen. */
function reachable(
  v: unknown,
  out: Map<object, boolean> = new Map(),
  frozenPath = true,
): Map<object, boolean> {
  if (typeof v !== "object" || v === null || out.has(v)) return out;
  const proto = Object.getPrototypeOf(v);
  const plain = Array.isArray(v) || proto === Object.prototype || proto === null;
  out.set(v, plain && frozenPath);
  if (Array.isArray(v) || plain) for (const x of Object.values(v)) reachable(x, out, frozenPath && plain);
  else if (v instanceof Map) for (const x of v.values()) reachable(x, out, false);
  else if (v instanceof Set) for (const x of v) reachable(x, out, false);
  return out;
}

const env = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = env;
});

const socket = () => new ViewSocket<Record<string, unknown>>("phx-1", true, new URL("http://h/"), {}, {});

describe("deep-frozen assigns", () => {
  test("law: in test, exactly the plain objects and arrays reachable through plain ones are frozen", () => {
    fc.assert(
      fc.property(tree, (value) => {
        const json = JSON.stringify(value);
        const objects = reachable(value);
        socket().assign({ items: value });
        for (const [o, wanted] of objects) expect(Object.isFrozen(o)).toBe(wanted);
        expect(JSON.stringify(value)).toBe(json);
        if (Array.isArray(value)) expect(JSON.stringify([...value])).toBe(json);
      }),
      { numRuns: 300 },
    );
  });

  test("law: in production, nothing is frozen", () => {
    process.env.NODE_ENV = "production";
    fc.assert(
      fc.property(tree, (value) => {
        const s = socket();
        s.assign({ items: value });
        for (const o of reachable(value).keys()) expect(Object.isFrozen(o)).toBe(false);
        expect(Object.isFrozen(s.assigns)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  test("development (NODE_ENV unset or anything else) freezes as test does", () => {
    for (const e of [undefined, "development", "staging"]) {
      if (e === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = e;
      const items = [1];
      socket().assign({ items });
      expect(Object.isFrozen(items)).toBe(true);
    }
  });

  test("push on an assigned array throws at once, naming the assign and saying to assign a new array", () => {
    const s = socket();
    s.assign({ items: [1, 2], todo: { tags: ["a"] } });
    expect(() => (s.assigns.items as number[]).push(3)).toThrow(
      new TypeError(
        'assigns.items.push(): assigns are immutable (frozen in development and test), and a change made in place would never be rendered. Assign a new array instead: socket.assign({ items: [...socket.assigns.items, item] }), or socket.update("items", (xs) => xs.filter(...))',
      ),
    );
    for (const m of ["pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"] as const)
      expect(() => (s.assigns.items as any)[m](0)).toThrow(`assigns.items.${m}(): assigns are immutable`);
    expect(() => (s.assigns.todo as { tags: string[] }).tags.push("b")).toThrow(
      'assigns.todo.tags.push(): assigns are immutable (frozen in development and test), and a change made in place would never be rendered. Assign a new array instead: socket.update("todo", (old) => ...)',
    );
    expect(() => {
      (s.assigns.todo as { done?: boolean }).done = true;
    }).toThrow(TypeError);
    expect(() => {
      (s.assigns as Record<string, unknown>).items = [];
    }).toThrow(TypeError);
    expect(s.assigns.items).toEqual([1, 2]);
    // The mutators are not data: keys, JSON, spread and iteration see only the items.
    expect(Object.keys(s.assigns.items as object)).toEqual(["0", "1"]);
    expect([...(s.assigns.items as number[]), 3]).toEqual([1, 2, 3]);
  });

  test("a cycle, or a value shared by two assigns, is frozen once and ends", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    const shared = [a];
    deepFreezeAssign("x", shared);
    deepFreezeAssign("y", shared);
    expect(Object.isFrozen(a) && Object.isFrozen(shared)).toBe(true);
  });

  test("a deep chain does not overflow the stack", () => {
    let chain: Record<string, unknown> = {};
    const head = chain;
    for (let i = 0; i < 200_000; i++) {
      const next = {};
      chain.next = next;
      chain = next;
    }
    deepFreezeAssign("chain", head);
    expect(Object.isFrozen(chain)).toBe(true);
  });
});
