/**
 * PubSub benchmark, in one run (`npm run bench`, or `node --expose-gc bench/dist/pubsub.js [--quick]`):
 *
 *   local fan-out   one publisher process, 10,000 subscriber processes, 100 broadcasts (1M deliveries), the
 *                   publisher sending its next broadcast after handling its own "go" (so every broadcast
 *                   competes with the deliveries of the previous one, as in a live system). Beside Node's
 *                   EventEmitter (synchronous calls, no mailboxes) and the plain-JS run queue of baseline.ts.
 *   over Redis      node A (this process) -> node B (a child process) through the Redis at REDIS_URL:
 *                   latency p50/p99 (paced, one message per ~1 ms, measured from the broadcast call to the
 *                   subscriber's handleInfo), and messages/s (back to back, first send to last handleInfo),
 *                   beside raw ioredis PUBLISH -> SUBSCRIBE on the same Redis.
 */

import { machine, medianOf, printTable, rate, tick } from "./lib.js";
import { bareFanOut, cinderFanOut, emitterFanOut } from "./pubsub_fanout.js";
import { overRedis, REDIS_URL, type RedisFigures, THROUGHPUT_N } from "./pubsub_redis.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 1 : 5;

async function main(): Promise<void> {
  console.log(`PubSub benchmark on ${machine()}${quick ? " (quick)" : ""}; medians of ${RUNS} runs`);
  await cinderFanOut(); // warm-up (JIT)
  const cf = await medianOf(RUNS, async () => {
    const v = await cinderFanOut();
    await tick();
    return v;
  });
  const ef = await medianOf(RUNS, emitterFanOut);
  const bf = await medianOf(RUNS, bareFanOut);
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  printTable(
    "PubSub local fan-out: 10,000 subscriber processes, 100 broadcasts (1M deliveries)",
    [
      "",
      "Cinder PubSub",
      "EventEmitter",
      "plain-JS run queue",
      "Cinder / plain JS",
      "BEAM pg (quoted)",
      "target",
    ],
    [["deliveries/s", rate(cf), rate(ef), rate(bf), x(cf, bf), "2.8M/s", ">= 10M/s"]],
  );
  console.log(
    "\nEventEmitter calls its listeners synchronously (no mailboxes, no processes): an upper bound.",
  );

  let redisFigures: { cinder: RedisFigures; raw: RedisFigures } | null = null;
  try {
    redisFigures = await overRedis();
  } catch (err) {
    console.log(`\nRedis part skipped: ${err instanceof Error ? err.message : err} (REDIS_URL=${REDIS_URL})`);
  }
  if (redisFigures !== null) {
    const { cinder: c, raw: r } = redisFigures;
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    printTable(
      "PubSub over Redis: node A -> a subscriber on node B (another process), loopback",
      ["", "Cinder PubSub", "raw ioredis PUBLISH/SUBSCRIBE", "target"],
      [
        ["latency p50", ms(c.p50), ms(r.p50), "-"],
        ["latency p99", ms(c.p99), ms(r.p99), "< 5 ms"],
        [
          `messages/s (${THROUGHPUT_N.toLocaleString("en")} back to back)`,
          rate(c.rate),
          rate(r.rate),
          ">= 100k/s",
        ],
      ],
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
