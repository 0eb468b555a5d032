/**
 * PubSub local fan-out: one publisher process, 10,000 subscriber processes, 100 broadcasts (1M deliveries),
 * the publisher sending its next broadcast after handling its own "go" (so every broadcast competes with the
 * deliveries of the previous one, as in a live system); beside Node's EventEmitter (synchronous calls, no
 * mailboxes) and the plain-JS run queue of baseline.ts.
 */
import { EventEmitter } from "node:events";
import { createRuntime, type Pid } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { type BareProc, BareScheduler } from "./baseline.js";
import { seconds } from "./lib.js";

const SUBSCRIBERS = 10_000;
const BROADCASTS = 100;

/** Deliveries per second. */
export async function cinderFanOut(): Promise<number> {
  const rt = createRuntime({ node: "bench" });
  const ps = await PubSub.start({ name: "bench", runtime: rt });
  const total = SUBSCRIBERS * BROADCASTS;
  let got = 0;
  let t0 = 0;
  let done: (r: number) => void = () => {};
  const finished = new Promise<number>((r) => {
    done = r;
  });
  const sink = {
    init: () => 0,
    handleInfo: (_m: number, s: number) => {
      if (++got === total) done(total / seconds(t0));
      return s;
    },
  };
  for (let i = 0; i < SUBSCRIBERS; i++) ps.subscribe(rt.spawn(sink), "fan");
  const publisher: Pid = rt.spawn({
    init: () => 0,
    handleInfo: (_go: "go", sent: number) => {
      void ps.broadcastFrom(publisher, "fan", sent);
      if (sent + 1 < BROADCASTS) rt.send(publisher, "go");
      return sent + 1;
    },
  });
  t0 = performance.now();
  rt.send(publisher, "go");
  const r = await finished;
  await ps.stop();
  return r;
}

/** Deliveries per second. */
export function emitterFanOut(): number {
  const ee = new EventEmitter();
  ee.setMaxListeners(0);
  let got = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    ee.on("fan", () => {
      got++;
    });
  }
  const t0 = performance.now();
  for (let b = 0; b < BROADCASTS; b++) ee.emit("fan", b);
  const r = got / seconds(t0);
  if (got !== SUBSCRIBERS * BROADCASTS) throw new Error("EventEmitter lost deliveries");
  return r;
}

/** Deliveries per second. */
export function bareFanOut(): number {
  const s = new BareScheduler();
  let got = 0;
  const members: BareProc[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    members.push(
      s.spawn(() => {
        got++;
      }),
    );
  }
  let sent = 0;
  const publisher: BareProc = s.spawn(() => {
    for (let i = 0; i < members.length; i++) s.send(members[i], sent);
    if (++sent < BROADCASTS) s.send(publisher, "go");
  });
  const t0 = performance.now();
  s.send(publisher, "go");
  s.run();
  if (got !== SUBSCRIBERS * BROADCASTS) throw new Error("baseline lost deliveries");
  return got / seconds(t0);
}
