import { createRuntime, type Pid } from "@cinder/actors";
import { CodecError, local, PubSub, redis } from "@cinder/pubsub";
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { REDIS_URL, redisAvailable } from "../../../test/helpers/redis.js";
import { recorder } from "./support/recorder.js";

// The local adapter checks, in development and test, what the Redis adapter checks before it sends: a
// broadcast that could not cross nodes fails on one node first.

const ok = await redisAvailable("the local adapter's payload check against the redis adapter");

let n = 0;
const started: PubSub[] = [];
async function start(opts: Omit<Parameters<typeof PubSub.start>[0], "name">): Promise<PubSub> {
  const ps = await PubSub.start({ name: `payload-check-${process.pid}-${++n}`, logger: () => {}, ...opts });
  started.push(ps);
  return ps;
}
afterAll(async () => {
  await Promise.all(started.splice(0).map((ps) => ps.stop()));
});

const env = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = env;
});

/** What `f` threw (synchronously or as a rejection), or undefined. */
async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (err) {
    return err;
  }
}

class Point {
  constructor(public x: number) {}
}
const cyclic = () => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
};
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue(),
    fc.constantFrom<unknown>(
      undefined,
      Number.NaN,
      -0,
      10n,
      10n ** 2000n,
      new Date(0),
      new Map([[1, { a: [2] }]]),
      new Set(["x"]),
      new Uint8Array([1, 2]),
      Buffer.from("ab"),
    ),
    fc.constant(0).map(() => () => 1),
    fc.constant(0).map(() => Symbol("s")),
    fc.constant(0).map(() => new Point(1)),
    fc.constant(0).map(cyclic),
    fc.nat(40).map((d) => {
      let deep: unknown = [];
      for (let i = 0; i < 60 + d; i++) deep = [deep];
      return deep;
    }),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie("v"), { maxKeys: 3 }),
  ),
})).v;

describe.skipIf(!ok)("against a real Redis", () => {
  test("law: a local broadcast in test throws exactly when the redis adapter's would, with the same error", async () => {
    const viaRedis = await start({ adapter: redis({ url: REDIS_URL, limits: { maxDepth: 80 } }) });
    const viaLocal = await start({ adapter: local({ limits: { maxDepth: 80 } }) });
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const r = await outcome(() => viaRedis.broadcast("t", v));
        const l = await outcome(() => viaLocal.broadcast("t", v));
        if (r === undefined) expect(l).toBeUndefined();
        else {
          expect(r).toBeInstanceOf(CodecError);
          expect(l).toBeInstanceOf(CodecError);
          expect((l as Error).message).toBe((r as Error).message);
        }
      }),
      { numRuns: 200 },
    );
  });

  test("a message past maxEnvelopeBytes fails locally as over Redis", async () => {
    const limits = { maxEnvelopeBytes: 1000 };
    const viaRedis = await start({ adapter: redis({ url: REDIS_URL, limits }) });
    const viaLocal = await start({ adapter: local({ limits }) });
    for (const size of [900, 960, 1000, 2000]) {
      const r = await outcome(() => viaRedis.broadcast("topic", "x".repeat(size)));
      const l = await outcome(() => viaLocal.broadcast("topic", "x".repeat(size)));
      expect(String(l)).toBe(String(r));
      if (size >= 1000) expect(l).toBeInstanceOf(CodecError);
      else expect(l).toBeUndefined();
    }
  });
});

describe("the local adapter's payload check", () => {
  /** A subscriber process; returns what it got. */
  function subscriber(ps: PubSub, rt: ReturnType<typeof createRuntime>): { got: unknown[]; pid: Pid } {
    const r = recorder(rt);
    ps.subscribe(r.pid, "t");
    return r;
  }

  test("in test it refuses what cannot cross nodes, before any subscriber got it", async () => {
    const rt = createRuntime();
    const ps = await start({ runtime: rt });
    const sub = subscriber(ps, rt);
    const err = await outcome(() => ps.broadcast("t", { at: new Point(1) }));
    expect(err).toBeInstanceOf(CodecError);
    expect((err as Error).message).toMatch(/Point/);
    expect(await outcome(() => ps.directBroadcast("elsewhere", "t", () => 1))).toBeInstanceOf(CodecError);
    // A plain message still goes through, as the very object (nothing is copied).
    const msg = { items: [1, 2] };
    await ps.broadcast("t", msg);
    const deadline = Date.now() + 30_000;
    while (sub.got.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(sub.got).toHaveLength(1);
    expect(sub.got[0]).toBe(msg);
  });

  test("in production it is off by default; checkPayloads turns it on or off anywhere", async () => {
    process.env.NODE_ENV = "production";
    const prod = await start({ runtime: createRuntime() });
    expect(await outcome(() => prod.broadcast("t", new Point(1)))).toBeUndefined();
    const prodChecked = await start({ adapter: local({ checkPayloads: true }) });
    expect(await outcome(() => prodChecked.broadcast("t", new Point(1)))).toBeInstanceOf(CodecError);
    process.env.NODE_ENV = "test";
    const testUnchecked = await start({ adapter: local({ checkPayloads: false }) });
    expect(await outcome(() => testUnchecked.broadcast("t", new Point(1)))).toBeUndefined();
    process.env.NODE_ENV = "development";
    const dev = await start({ adapter: local() });
    expect(await outcome(() => dev.broadcast("t", new Point(1)))).toBeInstanceOf(CodecError);
  });

  test("bad options are refused, naming them", () => {
    expect(() => local({ checkPayloads: "yes" as never })).toThrow(
      'local: checkPayloads must be a boolean, got the string "yes"',
    );
    expect(() => local({ codec: {} as never })).toThrow("local: codec must be a codec");
    expect(() => local({ limits: { maxDepht: 3 } as never })).toThrow('local: unknown limit "maxDepht"');
  });
});
