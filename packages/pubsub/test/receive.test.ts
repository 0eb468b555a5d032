import { Pid } from "@cinder/actors";
import { DEFAULT_LIMITS, DropCounter, jsonCodec, type ReceiveLimits } from "@cinder/pubsub";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClusterKeys } from "../src/cluster_key.js";
import { isWireEnvelope } from "../src/envelope.js";
import { Receiver } from "../src/receiver.js";
import { sign } from "./support/signature.js";

// What a node does with the bytes a Redis channel brings it, without Redis: the envelope guard, the limits, the
// channel checks and the cluster key. (The same over a real Redis: redis.test.ts and test/trust-remote-input.)

const KEY = "a-cluster-key-of-32-characters!!";
const NODE = "me";
const PREFIX = "cinder:app:t:";
const NODE_CHANNEL = "cinder:app:n:me";

function receiver(opts: { key?: string | string[] | null; limits?: Partial<ReceiveLimits> } = {}) {
  const lines: string[] = [];
  const key = opts.key === undefined ? null : opts.key;
  const r = new Receiver({
    codec: jsonCodec,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    keys: key === null ? null : new ClusterKeys(key, "test"),
    node: NODE,
    topicPrefix: PREFIX,
    nodeChannel: NODE_CHANNEL,
    drops: new DropCounter((line) => lines.push(line)),
  });
  const receive = (channel: string, message: string | Buffer) =>
    r.receive(Buffer.from(channel), typeof message === "string" ? Buffer.from(message) : message);
  return { r, receive, lines };
}

/** An envelope's text, as the adapter writes it. */
function env(
  topic: string,
  payloads: unknown[],
  head: { kind?: "b" | "d"; origin?: string; target?: string | null } = {},
) {
  const { kind = "b", origin = "other", target = null } = head;
  return JSON.stringify([
    1,
    kind,
    origin,
    target,
    topic,
    ...payloads.flatMap((p) => [null, jsonCodec.encode(p)]),
  ]);
}

describe("the envelope guard", () => {
  const good = [1, "b", "a", null, "t", null, 1];
  it("accepts a well-formed envelope and refuses each field done wrong", () => {
    expect(isWireEnvelope(good)).toBe(true);
    expect(isWireEnvelope([1, "d", "a", "b", "t", ["a", 1, 7], "x", null, 2])).toBe(true);
    const bad: unknown[] = [
      null,
      {},
      "[1]",
      [2, ...good.slice(1)], // version
      [1, "x", "a", null, "t", null, 1], // kind
      [1, "b", "", null, "t", null, 1], // empty origin
      [1, "b", 7, null, "t", null, 1], // origin not a string
      [1, "b", "a", "b", "t", null, 1], // a target on a broadcast to all
      [1, "d", "a", null, "t", null, 1], // no target on a direct one
      [1, "b", "a", null, "", null, 1], // empty topic
      [1, "b", "a", null, { t: 1 }, null, 1], // topic not a string
      [1, "b", "a", null, "t"], // no items
      [1, "b", "a", null, "t", null], // half an item
      [1, "b", "a", null, "t", "a", 1], // from neither a pid nor null
      [1, "b", "a", null, "t", ["a", -1], 1], // a negative pid id
      [1, "b", "a", null, "t", ["a", 1.5], 1], // a fractional one
      [1, "b", "a", null, "t", [1, 1], 1], // a pid's node not a string
    ];
    for (const b of bad) expect(isWireEnvelope(b), JSON.stringify(b)).toBe(false);
  });
});

describe("Receiver", () => {
  it("delivers a valid envelope with its pids and payloads", () => {
    const { receive } = receiver();
    const text = JSON.stringify([1, "b", "o", null, "t", ["o", 3, 9], { x: { "~b": "12" } }, null, "y"]);
    const e = receive(`${PREFIX}t`, text);
    expect(e).toEqual({
      kind: "b",
      origin: "o",
      target: null,
      topic: "t",
      items: [new Pid("o", 3, null, 9), { x: 12n }, null, "y"],
    });
  });

  it("checks the size before parsing, and counts each reason apart, logging each kind once a minute", () => {
    const { r, receive, lines } = receiver({ limits: { maxEnvelopeBytes: 100 } });
    const big = env("t", ["x".repeat(200)]);
    expect(receive(`${PREFIX}t`, big)).toBeNull();
    // Not JSON at all: refused for its size alone, never parsed.
    expect(receive(`${PREFIX}t`, "{".repeat(1000))).toBeNull();
    expect(r.counters.ignoredTooLarge).toBe(2);
    expect(r.counters.ignoredMalformed).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^dropped \(tooLarge\): an envelope of 2\d\d bytes, past limits\.maxEnvelopeBytes \(100\)/,
    );
  });

  it("refuses more items than maxItems before looking at them", () => {
    const { r, receive } = receiver({ limits: { maxItems: 3 } });
    expect(receive(`${PREFIX}t`, env("t", [1, 2, 3]))).not.toBeNull();
    // The fourth item is not even well-formed: the count is checked first.
    expect(
      receive(`${PREFIX}t`, JSON.stringify([1, "b", "o", null, "t", null, 1, null, 2, null, 3, "bad", 4])),
    ).toBeNull();
    expect(r.counters.ignoredTooManyItems).toBe(1);
  });

  it("refuses a payload nested deeper than maxDepth", () => {
    const { r, receive } = receiver({ limits: { maxDepth: 5 } });
    const nest = (n: number): unknown => (n === 0 ? 0 : [nest(n - 1)]);
    expect(receive(`${PREFIX}t`, env("t", [nest(5)]))).not.toBeNull();
    expect(receive(`${PREFIX}t`, env("t", [nest(6)]))).toBeNull();
    expect(r.counters.ignoredTooDeep).toBe(1);
  });

  it("refuses a long BigInt before BigInt() runs, and long bytes before decoding them", () => {
    const { r, receive } = receiver();
    const digits = (n: number) => JSON.stringify([1, "b", "o", null, "t", null, { "~b": "9".repeat(n) }]);
    expect(receive(`${PREFIX}t`, digits(DEFAULT_LIMITS.maxBigIntLength))).not.toBeNull();
    // 900,000 digits: BigInt() would take seconds (quadratic); the length check takes nothing.
    expect(receive(`${PREFIX}t`, digits(900_000))).toBeNull();
    const { r: r2, receive: receive2 } = receiver({ limits: { maxBytesLength: 8 } });
    expect(
      receive2(`${PREFIX}t`, JSON.stringify([1, "b", "o", null, "t", null, { "~8": "AAAAAAAAAAAA" }])),
    ).toBeNull();
    expect(r.counters.ignoredTooLong).toBe(1);
    expect(r2.counters.ignoredTooLong).toBe(1);
  });

  it("refuses an envelope whose topic is not its channel's, and node-channel ones not for this node", () => {
    const { r, receive } = receiver();
    expect(receive(`${PREFIX}other`, env("t", [1]))).toBeNull();
    expect(receive(`${PREFIX}t:x`, env("t", [1]))).toBeNull();
    expect(receive(`${PREFIX}t`, env("t", [1], { kind: "d", target: NODE }))).toBeNull();
    expect(r.counters.ignoredWrongTopic).toBe(3);
    expect(receive(NODE_CHANNEL, env("t", [1], { kind: "d", target: "someone-else" }))).toBeNull();
    expect(receive(NODE_CHANNEL, env("t", [1]))).toBeNull();
    expect(r.counters.ignoredWrongTarget).toBe(2);
    expect(receive(NODE_CHANNEL, env("any-topic", [1], { kind: "d", target: NODE }))).not.toBeNull();
    // Its own broadcast, back on a topic it listens to: not a drop.
    expect(receive(`${PREFIX}t`, env("t", [1, 2], { origin: NODE }))).toBeNull();
    expect(r.ignoredOwn).toBe(2);
  });

  it("refuses what the codec did not write (malformed tags) and envelopes of another version", () => {
    const { r, receive } = receiver();
    const payloads = [
      { "~nope": 1 },
      { "~b": "12abc" },
      { "~b": "0x10" },
      { "~m": [[1]] },
      { "~d": "yesterday" },
      { "~p": ["a"] },
      { "~n": "42" },
    ];
    for (const p of payloads)
      expect(
        receive(`${PREFIX}t`, JSON.stringify([1, "b", "o", null, "t", null, p])),
        JSON.stringify(p),
      ).toBeNull();
    expect(r.counters.ignoredMalformed).toBe(payloads.length);
    expect(receive(`${PREFIX}t`, JSON.stringify([2, "b", "o", null, "t", null, 1]))).toBeNull();
    expect(r.counters.ignoredUnknownVersion).toBe(1);
  });

  it("with a cluster key: refuses unsigned, badly signed and replayed-elsewhere envelopes; any listed key verifies", () => {
    const old = "the-previous-key-still-accepted!";
    const { r, receive } = receiver({ key: [KEY, old] });
    const body = env("t", ["hi"]);
    const channel = `${PREFIX}t`;
    expect(receive(channel, sign(KEY, channel, body))?.items).toEqual([null, "hi"]);
    expect(receive(channel, sign(old, channel, body))?.items).toEqual([null, "hi"]);
    expect(receive(channel, body)).toBeNull();
    expect(r.counters.ignoredUnsigned).toBe(1);
    expect(receive(channel, sign("some-other-key-of-enough-length", channel, body))).toBeNull();
    expect(receive(`${PREFIX}u`, sign(KEY, channel, body))).toBeNull();
    expect(r.counters.ignoredBadSignature).toBe(2);
  });

  it("refuses cluster keys that are too short, and an empty list", () => {
    expect(() => new ClusterKeys("short", "redis")).toThrow(/clusterKey is 5 bytes; use at least 16/);
    expect(() => new ClusterKeys([KEY, "x"], "redis")).toThrow(/clusterKey\[1\] is 1 bytes/);
    expect(() => new ClusterKeys([], "redis")).toThrow(/at least one key/);
  });

  // The property the cluster key stands for: whatever arrives, only what a key holder signed for that channel is
  // delivered, and all of that is.
  it("delivers a received message if and only if it is valid and signed with a cluster key (property)", () => {
    const { receive } = receiver({ key: KEY });
    const topic = fc.constantFrom("t", "u", "news");
    const payload = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
    );
    const valid = fc.record({ topic, payloads: fc.array(payload, { minLength: 1, maxLength: 4 }) });
    const mutation = fc.oneof(
      fc.constant({ op: "none" as const }),
      fc.constant({ op: "unsigned" as const }),
      fc.constant({ op: "other-key" as const }),
      fc.record({ op: fc.constant("channel" as const), to: topic }),
      fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("garbage" as const), bytes: fc.uint8Array({ maxLength: 80 }) }),
    );
    fc.assert(
      fc.property(valid, mutation, ({ topic: t, payloads }, m) => {
        const channel = PREFIX + t;
        const body = env(t, payloads);
        let on = channel;
        let msg = Buffer.from(sign(KEY, channel, body));
        let deliverable = true;
        if (m.op === "unsigned") msg = Buffer.from(body);
        else if (m.op === "other-key")
          msg = Buffer.from(sign("not-the-cluster-key-at-all-no", channel, body));
        else if (m.op === "channel") on = PREFIX + m.to;
        else if (m.op === "flip") msg[m.at % msg.length] ^= 1 << m.bit;
        else if (m.op === "truncate") msg = msg.subarray(0, m.at % msg.length);
        else if (m.op === "garbage") msg = Buffer.from(m.bytes);
        if (m.op !== "none" && !(m.op === "channel" && on === channel)) deliverable = false;
        const got = receive(on, msg);
        if (deliverable) expect(got?.items).toEqual(payloads.flatMap((p) => [null, p]));
        else expect(got).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it("without a key, random bytes and mutated envelopes never throw, and are delivered only when valid (property)", () => {
    const { receive } = receiver();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom("t", "u"), (bytes, t) => {
        const got = receive(PREFIX + t, Buffer.from(bytes));
        if (got !== null) {
          expect(got.topic).toBe(t);
          expect(isWireEnvelope(JSON.parse(Buffer.from(bytes).toString()))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
