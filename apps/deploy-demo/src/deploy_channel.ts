import { call } from "@cinder/actors";
import { defineChannel, type ServerChannel, type UserSocket } from "@cinder/liveview";
import type { Bus } from "./bus.js";
import { nowMs } from "./clock.js";
import { broadcastProblem, isStepBroadcast } from "./cluster_messages.js";
import type { Deployment } from "./deployment.js";
import { STEPS, TOPIC } from "./steps.js";
import { TRACKER, type TrackerCall } from "./tracker.js";

/** Every event the deploy's processes broadcast on the topic: each step, a failure, a node-local sync. */
const DEPLOY_EVENTS = [...Object.keys(STEPS), "failed", "sync"];

/**
 * The `deployments` channel: what a client that is not a live view (a script, a mobile app, a React page) joins
 * with the official phoenix.js client to follow the same deploy the page shows. The join's reply holds the
 * current (or last) deploy; each step then arrives as a `deployment` event carrying the whole deployment, and a
 * `deploy` push starts one, as the page's button does.
 */
export function deployChannel(bus: Bus): ServerChannel {
  return defineChannel({
    name: "DeploymentsChannel",

    async join() {
      const deployment = await call<Deployment | null>(TRACKER, { op: "current" } satisfies TrackerCall);
      return { ok: { node: bus.node, deployment } };
    },

    async handleIn(event) {
      if (event !== "deploy") return { reply: { status: "error", response: { reason: "unknown event" } } };
      const r = await call<{ started: boolean; current: Deployment | null }>(TRACKER, { op: "deploy" });
      return { reply: { status: "ok", response: { started: r.started, deployment: r.current } } };
    },

    // Steps may come from another node: each goes through the same check as the page's, then out as one event.
    intercept: DEPLOY_EVENTS,
    handleOut(event, payload, socket) {
      const msg = { topic: TOPIC, event, payload };
      const now = nowMs();
      const problem = broadcastProblem(msg, now);
      if (problem !== null) return bus.reject(problem.what, problem.why);
      if (isStepBroadcast(msg, now)) socket.push("deployment", { ...msg.payload });
    },
  });
}

/** The demo's user socket: anyone may follow deploys (the page needs no login either). */
export function deploySocket(bus: Bus): UserSocket {
  return { channels: { [TOPIC]: deployChannel(bus) } };
}
