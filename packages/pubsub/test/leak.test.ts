import v8 from "node:v8";
import vm from "node:vm";
import { createRuntime, stop } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { expect, it } from "vitest";

// The test worker runs without --expose-gc; this turns it on for this process and fetches `gc` from a fresh
// context (where the flag now applies).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

it("no leak: after 100k subscribe/exit cycles the index is empty and the heap is back to its baseline", async () => {
  const rt = createRuntime({ node: "leak" });
  const ps = await PubSub.start({ name: "leak", runtime: rt });
  const member = {
    init: () => 0,
    handleInfo: (m: unknown, n: number) => (m === "stop" ? stop("normal", n) : n + 1),
  };
  const BATCH = 1000;
  async function cycles(n: number, offset: number): Promise<void> {
    for (let b = 0; b < n; b += BATCH) {
      const pids = [];
      for (let i = 0; i < BATCH; i++) {
        const pid = rt.spawn(member);
        // A shared topic, a topic per process (the topic map must shrink too), and a duplicate.
        ps.subscribe(pid, "shared");
        ps.subscribe(pid, `own-${offset + b + i}`, { metadata: { i } });
        ps.subscribe(pid, "shared");
        pids.push(pid);
      }
      ps.localBroadcast("shared", "tick");
      // Half are killed, half stop normally after handling the broadcast.
      for (let i = 0; i < BATCH; i++) {
        if (i % 2 === 0) rt.exit(pids[i], "kill");
        else rt.send(pids[i], "stop");
      }
      await rt.drain();
    }
  }

  await cycles(5 * BATCH, 0); // warm-up: JIT, map capacities
  const baseline = heapAfterGc();
  await cycles(100_000, 1e6);
  expect(ps.stats()).toEqual({
    topics: 0,
    subscriptions: 0,
    processes: 0,
    remoteFailures: 0,
    droppedRemote: 0,
    adapter: {},
  });
  expect(rt.stats().processes).toBe(0);
  const growth = heapAfterGc() - baseline;
  // 100k leaked processes with their subscriptions would be tens of MB; allow noise from the test runner.
  expect(growth).toBeLessThan(1.5 * 2 ** 20);
  await ps.stop();
}, 30_000);
