import { MessageChannel } from "node:worker_threads";
import { portChannel, WorkersHub, workers } from "@cinder/pubsub";
import { describe } from "vitest";
import { conformance } from "./conformance.js";

// One hub per cluster, as a primary runs one; each node reaches it over its own MessageChannel, which carries
// the same messages as a worker's IPC channel, in order and asynchronously. The real node:cluster workers are
// covered by test/workers-*.test.ts.
const hubs = new Map<string, WorkersHub>();

describe("workers", () => {
  conformance(
    "workers",
    (cluster) => {
      let hub = hubs.get(cluster);
      if (hub === undefined) hubs.set(cluster, (hub = new WorkersHub({ logger: () => {} })));
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      port2.unref();
      hub.connect(portChannel(port2));
      return workers({ channel: portChannel(port1) });
    },
    { runs: 25 },
  );
});
