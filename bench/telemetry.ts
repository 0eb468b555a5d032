/**
 * Telemetry benchmark: what the `diagnostics_channel` spans cost a live view, with nobody subscribed (the
 * promise: nothing measurable) and with a subscriber on every live-view channel.
 * Run with `npx tsc -b && node --expose-gc bench/dist/telemetry.js` (`--quick` for a short run).
 *
 *   check      one `isTraced` test of a channel nobody subscribes to, in ns (a view pays two per message:
 *              handle_info and render).
 *   message    a message through a real view process (handleInfo, render, diff, frame to an in-memory
 *              client), per message: no subscriber, then a subscriber on every live-view channel.
 */

import diagnosticsChannel from "node:diagnostics_channel";
import { isTraced, type Pid, runtime, type SpanContext, self } from "@cinder/actors";
import { defineLiveView, html, telemetry } from "@cinder/liveview";
import { liveIsolated } from "@cinder/liveview/testing";
import { machine, median, printTable } from "./lib.js";

const quick = process.argv.includes("--quick");
const MESSAGES = quick ? 20_000 : 200_000;
const RUNS = quick ? 3 : 7;

let viewPid: Pid | null = null;
let target = 0;
let done: (() => void) | null = null;

const Ticker = defineLiveView<{ n: number }>({
  name: "Ticker",
  mailbox: { max: 10_000_000 },
  mount(_p, _s, socket) {
    if (socket.connected) viewPid = self();
    socket.assign({ n: 0 });
  },
  handleInfo(_msg: number, socket) {
    const n = socket.assigns.n + 1;
    socket.assign({ n });
    if (n === target) done?.();
  },
  render: ({ n }) => html`<p>Ticks: ${n}</p>`,
});

function checkNs(): number {
  const tc = telemetry.handleInfo;
  const N = 10_000_000;
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) if (isTraced(tc)) hits++;
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (hits !== 0) throw new Error("somebody subscribed");
  return ns;
}

async function perMessageNs(): Promise<number> {
  const view = await liveIsolated(Ticker);
  const rt = runtime();
  const xs: number[] = [];
  let sent = 0;
  for (let r = 0; r < RUNS; r++) {
    target = sent + MESSAGES;
    const finished = new Promise<void>((res) => {
      done = res;
    });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < MESSAGES; i++) rt.send(viewPid!, i);
    await finished;
    xs.push(Number(process.hrtime.bigint() - t0) / MESSAGES);
    sent = target;
  }
  view.close();
  await view.endpoint.close();
  return median(xs);
}

const names = ["mount", "handle_params", "handle_event", "handle_info", "render"];
function subscribeAll(): () => void {
  const handlers = {
    start: (_c: SpanContext) => {},
    end: (_c: SpanContext) => {},
    asyncStart: () => {},
    asyncEnd: () => {},
    error: (_c: SpanContext) => {},
  };
  const tcs = names.map((n) =>
    diagnosticsChannel.tracingChannel<unknown, SpanContext>(`cinder:live_view:${n}`),
  );
  for (const tc of tcs) tc.subscribe(handlers);
  return () => {
    for (const tc of tcs) tc.unsubscribe(handlers);
  };
}

const check = checkNs();
await perMessageNs(); // warm-up: the first run pays for compiling the view's path
const off = await perMessageNs();
const unsubscribe = subscribeAll();
const on = await perMessageNs();
unsubscribe();
const offAgain = await perMessageNs();

console.log(machine());
printTable(
  `Telemetry cost (${MESSAGES.toLocaleString("en")} messages, median of ${RUNS} runs)`,
  ["measure", "value"],
  [
    ["isTraced check, nobody subscribed", `${check.toFixed(2)} ns`],
    ["message through a view, nobody subscribed", `${off.toFixed(0)} ns`],
    ["the same, nobody subscribed (second run)", `${offAgain.toFixed(0)} ns`],
    ["message through a view, every live-view channel subscribed", `${on.toFixed(0)} ns`],
  ],
);
