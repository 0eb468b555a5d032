import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeParams, decodeTarget, encodeParams, type Params } from "../src/params.js";

describe("decodeParams (Plug.Conn.Query semantics)", () => {
  test("flat, nested, lists, lists of maps", () => {
    expect(decodeParams("a=1&b=two+words&c=%C3%A9")).toEqual({ a: "1", b: "two words", c: "é" });
    expect(decodeParams("user[name]=Jo&user[address][city]=Oslo")).toEqual({
      user: { name: "Jo", address: { city: "Oslo" } },
    });
    expect(decodeParams("tags[]=a&tags[]=b")).toEqual({ tags: ["a", "b"] });
    expect(decodeParams("items[][id]=1&items[][name]=x&items[][id]=2")).toEqual({
      items: [{ id: "1", name: "x" }, { id: "2" }],
    });
  });

  test("later keys win; keys without a value are empty; malformed escapes are kept", () => {
    expect(decodeParams("a=1&a=2")).toEqual({ a: "2" });
    expect(decodeParams("a&b=")).toEqual({ a: "", b: "" });
    expect(decodeParams("a=%E0%A4%A&b=%")).toEqual({ a: "%E0%A4%A", b: "%" });
    expect(decodeParams("a=1&a[b]=2")).toEqual({ a: { b: "2" } });
    expect(decodeParams("")).toEqual({});
  });

  test("the client's _unused_ fields come through as keys", () => {
    expect(decodeParams("user[name]=&_unused_user[name]=")).toEqual({
      user: { name: "" },
      _unused_user: { name: "" },
    });
  });

  test("never touches Object.prototype", () => {
    const p = decodeParams(
      "__proto__[polluted]=1&a[__proto__][polluted]=1&constructor[prototype][polluted]=1",
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(p).toEqual({ a: {}, constructor: { prototype: { polluted: "1" } } });
  });

  test("params have no prototype: every key is one the client sent (toString=1 breaks nothing)", () => {
    const p = decodeParams("toString=1&user[hasOwnProperty]=x&items[][valueOf]=2");
    for (const o of [p, p.user, (p.items as Params[])[0]]) expect(Object.getPrototypeOf(o)).toBeNull();
    expect(p.toString).toBe("1");
    expect(decodeParams("a=1").toString).toBeUndefined();
    expect(decodeParams("a=1").constructor).toBeUndefined();
    // What a view does with params keeps working: spread, entries, JSON, template interpolation of values.
    expect(JSON.stringify(p)).toBe(
      '{"toString":"1","user":{"hasOwnProperty":"x"},"items":[{"valueOf":"2"}]}',
    );
    expect({ ...p }.toString).toBe("1");
    expect(Object.hasOwn(p, "toString")).toBe(true);
  });

  test("deep keys are cut off instead of recursing without end", () => {
    const key = `a${"[x]".repeat(1000)}`;
    expect(() => decodeParams(`${key}=1`)).not.toThrow();
  });
});

describe("decodeTarget", () => {
  test("splits a field name into its path, dropping list markers", () => {
    expect(decodeTarget("user[email]")).toEqual(["user", "email"]);
    expect(decodeTarget("q")).toEqual(["q"]);
    expect(decodeTarget("tags[]")).toEqual(["tags"]);
    expect(decodeTarget("items[][id]")).toEqual(["items", "id"]);
  });
});

describe("encodeParams", () => {
  const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/);
  const value = fc.string({ maxLength: 8 });
  const params = fc.dictionary(
    key,
    fc.oneof(
      value,
      fc.dictionary(key, value, { minKeys: 1, maxKeys: 3 }),
      fc.array(value, { minLength: 1, maxLength: 3 }),
    ),
    { maxKeys: 4 },
  );

  test("law: decodeParams(encodeParams(p)) equals p for nested strings, objects and lists", () => {
    fc.assert(
      fc.property(params, (p) => {
        expect(decodeParams(encodeParams(p))).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  test("what URLSearchParams (the browser client) produces decodes the same", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 6 }), (pairs) => {
        const expected: Record<string, string> = {};
        for (const [k, v] of pairs) expected[k] = v;
        expect(decodeParams(new URLSearchParams(pairs).toString())).toEqual(expected);
      }),
    );
  });
});
