import { Pid } from "@cinder/actors";
import { CodecError, DEFAULT_LIMITS, jsonCodec } from "@cinder/pubsub";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** What travels: JSON text, as on the wire. */
function roundTrip(v: unknown): unknown {
  return jsonCodec.decode(JSON.parse(JSON.stringify(jsonCodec.encode(v))));
}

const pid = fc
  .tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.nat())
  .map(([node, id]) => new Pid(node, id, null));

// Everything the codec promises to carry, nested: plain objects (tilde and __proto__ keys included), arrays,
// Date, Map, Set, BigInt, Uint8Array, Pid, undefined, NaN, -0, Infinity.
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.bigInt(),
      fc.date({ noInvalidDate: false }),
      fc.uint8Array({ maxLength: 8 }),
      pid,
    ),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("~p", "~~x", "~", "__proto__", "~d")),
      tie("value"),
      {
        maxKeys: 4,
        noNullPrototype: true, // a null-prototype object arrives as a plain one (pinned below)
      },
    ),
    fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 3 }).map((es) => new Map(es)),
    fc.array(tie("value"), { maxLength: 3 }).map((es) => new Set(es)),
  ),
}));

describe("jsonCodec", () => {
  it("carries plain data, Pid, Date, Map, Set, BigInt, Uint8Array intact (property)", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the exact types and the edge values", () => {
    const v = {
      pid: new Pid("n1", 7, null),
      when: new Date(1_700_000_000_123),
      invalid: new Date(Number.NaN),
      map: new Map<unknown, unknown>([
        [1, "one"],
        [{ k: 1 }, new Set([1n])],
      ]),
      bytes: new Uint8Array([0, 1, 255]),
      buf: Buffer.from("hi"),
      nums: [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5],
      nothing: undefined,
      "~p": ["not", "a pid"],
    };
    const out = roundTrip(v) as typeof v;
    expect(out.pid).toBeInstanceOf(Pid);
    expect(out.pid.equals(v.pid)).toBe(true);
    expect(String(out.pid)).toBe("<n1.7>");
    expect(out.when).toBeInstanceOf(Date);
    expect(out.when.getTime()).toBe(1_700_000_000_123);
    expect(Number.isNaN(out.invalid.getTime())).toBe(true);
    expect(out.map.get(1)).toBe("one");
    expect(out.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(out.bytes)).toBe(false);
    expect(Buffer.isBuffer(out.buf)).toBe(true);
    expect(Object.is(out.nums[1], -0)).toBe(true);
    expect("nothing" in out).toBe(true);
    expect(out["~p"]).toEqual(["not", "a pid"]);
    expect(out).toStrictEqual(v);
  });

  it("a null-prototype object arrives as a plain object with the same keys", () => {
    const v = Object.assign(Object.create(null), { a: 1 });
    const out = roundTrip(v) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out).toEqual({ a: 1 });
  });

  it("does not let a __proto__ key change the prototype", () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = roundTrip(v) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(out)).toEqual(["__proto__"]);
  });

  it("rejects, with a clear error naming where, what it cannot carry", () => {
    class User {
      constructor(readonly name: string) {}
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const cases: [unknown, RegExp][] = [
      [{ onClick() {} }, /cannot send a function \(onClick\) to another node at message\.onClick/],
      [{ a: [1, () => 0] }, /cannot send a function \(anonymous\) to another node at message\.a\[1\]/],
      [{ user: new User("x") }, /cannot send an instance of User to another node .* at message\.user/],
      [new Map([["k", Symbol("s")]]), /cannot send a symbol \(Symbol\(s\)\) to another node at message\[0\]/],
      [{ "a b": new Int16Array(2) }, /instance of Int16Array .* at message\["a b"\]/],
      [new (class Special extends Map {})(), /instance of Special/],
      [cyclic, /cyclic structure to another node at message\.self/],
      [new Error("e"), /instance of Error/],
    ];
    for (const [v, re] of cases) {
      expect(() => jsonCodec.encode(v)).toThrow(CodecError);
      expect(() => jsonCodec.encode(v)).toThrow(re);
    }
    // A shared (acyclic) reference is fine: it arrives as two copies.
    const shared = { x: 1 };
    expect(roundTrip([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it("rejects unknown tags on decode", () => {
    expect(() => jsonCodec.decode({ "~zz": 1 })).toThrow(/unknown tag "~zz"/);
  });

  it("refuses, on both sides, what is past the limits: nesting, BigInt and byte lengths (the sender names the limit)", () => {
    const nest = (n: number): unknown => (n === 0 ? 0 : { a: nest(n - 1) });
    const max = DEFAULT_LIMITS.maxDepth;
    expect(roundTrip(nest(max))).toEqual(nest(max));
    const tooDeep = (() => {
      try {
        jsonCodec.encode(nest(max + 1));
      } catch (err) {
        return err as CodecError;
      }
    })();
    expect(tooDeep).toBeInstanceOf(CodecError);
    expect(tooDeep?.limit).toBe("maxDepth");
    expect(tooDeep?.message).toMatch(
      /nested deeper than limits\.maxDepth \(100 levels\), which receivers refuse at message\.a\.a/,
    );
    // Hand-made data deeper than the limit (what another node could send) is refused on decode.
    const data = JSON.parse(JSON.stringify(nest(max + 1)));
    expect(() => jsonCodec.decode(data)).toThrow(/nested deeper than limits\.maxDepth/);
    expect(() => jsonCodec.decode(data, { ...DEFAULT_LIMITS, maxDepth: max + 1 })).not.toThrow();

    const big = 10n ** 1023n; // 1024 digits: the default limit
    expect(roundTrip(big)).toBe(big);
    expect(() => jsonCodec.encode({ n: big * 10n })).toThrow(
      /a BigInt of 1025 characters is past limits\.maxBigIntLength \(1024\).* at message\.n/,
    );
    expect(() => jsonCodec.decode({ "~b": "9".repeat(1025) })).toThrow(/past limits\.maxBigIntLength/);
    expect(() => jsonCodec.decode({ "~b": "-12" }, { ...DEFAULT_LIMITS, maxBigIntLength: 2 })).toThrow(
      CodecError,
    );

    const limits = { ...DEFAULT_LIMITS, maxBytesLength: 8 };
    expect(jsonCodec.encode(new Uint8Array(6), limits)).toEqual({ "~8": "AAAAAAAA" });
    expect(() => jsonCodec.encode([Buffer.alloc(7)], limits)).toThrow(
      /7 bytes take 12 characters of base64, past limits\.maxBytesLength \(8\).* at message\[0\]/,
    );
    expect(() => jsonCodec.decode({ "~B": "AAAAAAAAAAAA" }, limits)).toThrow(/past limits\.maxBytesLength/);
  });

  it("refuses, on decode, tagged values it would never write", () => {
    const bad = [
      { "~b": "0x10" },
      { "~b": " 12" },
      { "~b": 12 },
      { "~d": "2020" },
      { "~m": [[1, 2, 3]] },
      { "~m": {} },
      { "~s": 1 },
      { "~8": 5 },
      { "~n": "1e3" },
      { "~p": ["n", "7"] },
    ];
    for (const d of bad) expect(() => jsonCodec.decode(d), JSON.stringify(d)).toThrow(CodecError);
  });
});
