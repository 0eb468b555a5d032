import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Channel } from "../src/transport/channel.js";
import { encodePayload, pushPrefix } from "../src/transport/frame.js";

// Law: encoding a push reuses the previous JSON only when it would be the same JSON. Whatever sequence of
// payloads is encoded, equal or not, mutated in place between two encodes or not, nested or flat, each
// result is exactly `JSON.stringify`'s.

const statics = Object.freeze(["<p>", "</p>"]);
const leaf = fc.oneof(
  fc.constantFrom("a", "b", "Creating org", "+0.20s", "", 1, 0, true, null),
  fc.string({ maxLength: 4 }),
  fc.constant(statics),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small" }, leaf, leaf, fc.array(tie("v"), { maxLength: 3 }), tie("o")),
  o: fc.dictionary(fc.constantFrom("0", "1", "2", "3", "s", "t", "e", "k", "kc"), tie("v"), { maxKeys: 5 }),
})).v;
const payload = fc.dictionary(fc.constantFrom("0", "1", "2", "3", "4", "s", "t"), value, { maxKeys: 6 });

type Op =
  | { kind: "encode"; p: number }
  | { kind: "new"; payload: Record<string, unknown> }
  | { kind: "mutate"; p: number; key: string; v: unknown };

const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant("encode" as const), p: fc.nat(3) }),
    fc.record({ kind: fc.constant("new" as const), payload }),
    fc.record({
      kind: fc.constant("mutate" as const),
      p: fc.nat(3),
      key: fc.constantFrom("0", "1", "4", "s"),
      v: leaf,
    }),
  ),
  { maxLength: 40 },
);

describe("encodePayload", () => {
  test("is JSON.stringify, whatever came before", () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const live: Record<string, unknown>[] = [{ "4": "Creating repo", "6": "+0.20s" }];
        for (const op of list) {
          if (op.kind === "new") live.push(op.payload);
          else if (op.kind === "mutate") {
            const target = live[op.p % live.length];
            target[op.key] = op.v;
          } else {
            const p = live[op.p % live.length];
            expect(encodePayload(p)).toBe(JSON.stringify(p));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test("equal flat diffs in a row are encoded once, and a different one is not mistaken for them", () => {
    const a = { "4": "Creating repo", "6": "+0.20s" };
    const first = encodePayload(a);
    expect(encodePayload({ "4": "Creating repo", "6": "+0.20s" })).toBe(first);
    expect(encodePayload({ "4": "Creating repo", "6": "+0.21s" })).toBe('{"4":"Creating repo","6":"+0.21s"}');
    expect(encodePayload({ "4": "Creating repo" })).toBe('{"4":"Creating repo"}');
    expect(encodePayload({ "4": "Creating repo", "6": "+0.20s", "7": "" })).toBe(
      '{"4":"Creating repo","6":"+0.20s","7":""}',
    );
  });

  test("a channel's push frame is the array JSON.stringify makes", () => {
    const sent: string[] = [];
    const ch = new Channel('lv:phx-"odd\\id', "4", { send: (f) => sent.push(String(f)), close: () => {} });
    ch.state = "joined";
    ch.push("diff", { "1": "x" });
    ch.push("diff", { "1": "x" });
    ch.push("live_patch", { to: "/a?b=1", kind: "push" });
    expect(sent).toEqual([
      JSON.stringify(["4", null, 'lv:phx-"odd\\id', "diff", { "1": "x" }]),
      JSON.stringify(["4", null, 'lv:phx-"odd\\id', "diff", { "1": "x" }]),
      JSON.stringify(["4", null, 'lv:phx-"odd\\id', "live_patch", { to: "/a?b=1", kind: "push" }]),
    ]);
    expect(`${pushPrefix(null, "t", "e")}${encodePayload({ a: [1, { b: 2 }] })}]`).toBe(
      JSON.stringify([null, null, "t", "e", { a: [1, { b: 2 }] }]),
    );
  });
});
