import fc from "fast-check";
import { Serializer } from "phoenix";
import { describe, expect, test } from "vitest";
import {
  decodeBinaryFrame,
  encodeBinaryBroadcast,
  encodeBinaryPush,
  encodeBinaryReply,
} from "../src/transport/binary_frame.js";
import { nestedDeeperThan } from "../src/transport/frame.js";

// Laws, against the official client's own serializer (phoenix.js `Serializer`, vsn 2.0.0):
// - what phoenix.js encodes for an ArrayBuffer payload, decodeBinaryFrame reads back field for field, bytes
//   for bytes;
// - what encodeBinaryPush / encodeBinaryReply / encodeBinaryBroadcast write, phoenix.js decodes to the same
//   join_ref, ref, topic, event (or reply status) and bytes;
// - decodeBinaryFrame never throws, whatever the bytes.

const field = fc
  .string({ minLength: 1, maxLength: 40, unit: "grapheme" })
  .filter((s) => Buffer.byteLength(s) <= 255);
const bytes = fc.uint8Array({ maxLength: 300 });

function arrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

function officialDecode(buf: Buffer): any {
  let out: any;
  Serializer.decode(arrayBuffer(buf), (m: unknown) => (out = m));
  return out;
}

describe("binary frames against phoenix.js's serializer", () => {
  test("a push phoenix.js encodes is decoded to the same fields and bytes", () => {
    fc.assert(
      fc.property(field, field, field, field, bytes, (joinRef, ref, topic, event, body) => {
        let encoded: ArrayBuffer | undefined;
        Serializer.encode(
          { join_ref: joinRef, ref, topic, event, payload: arrayBuffer(body) },
          (e: ArrayBuffer) => {
            encoded = e;
          },
        );
        const m = decodeBinaryFrame(new Uint8Array(encoded!));
        expect(m).toEqual({ joinRef, ref, topic, event, payload: arrayBuffer(body) });
      }),
    );
  });

  test("our pushes, replies and broadcasts are decoded by phoenix.js to the same fields and bytes", () => {
    fc.assert(
      fc.property(field, field, field, field, bytes, (joinRef, ref, topic, event, body) => {
        const push = officialDecode(encodeBinaryPush(joinRef, topic, event, body));
        expect(push).toEqual({ join_ref: joinRef, ref: null, topic, event, payload: arrayBuffer(body) });
        const reply = officialDecode(encodeBinaryReply(joinRef, ref, topic, event, Buffer.from(body)));
        expect(reply).toEqual({
          join_ref: joinRef,
          ref,
          topic,
          event: "phx_reply",
          payload: { status: event, response: arrayBuffer(body) },
        });
        const broadcast = officialDecode(encodeBinaryBroadcast(topic, event, arrayBuffer(body)));
        expect(broadcast).toEqual({ join_ref: null, ref: null, topic, event, payload: arrayBuffer(body) });
      }),
    );
  });

  test("any bytes: decoded or refused with a reason, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const m = decodeBinaryFrame(b);
        expect("error" in m || ("topic" in m && m.topic !== "" && m.event !== "")).toBe(true);
      }),
    );
  });

  test("a field over 255 bytes cannot be encoded (the header holds one byte per size)", () => {
    expect(() => encodeBinaryPush("1", "t".repeat(256), "e", new Uint8Array())).toThrow(RangeError);
  });
});

describe("nestedDeeperThan", () => {
  test("is the depth of arrays and objects, measured without recursion", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.nat(8), (v, max) => {
        const depth = (x: unknown): number =>
          typeof x !== "object" || x === null ? 0 : 1 + Math.max(0, ...Object.values(x).map(depth));
        expect(nestedDeeperThan(v, max)).toBe(depth(v) > max);
      }),
    );
    const deep = JSON.parse(`${"[".repeat(50_000)}1${"]".repeat(50_000)}`);
    expect(nestedDeeperThan(deep, 100)).toBe(true);
  });
});
