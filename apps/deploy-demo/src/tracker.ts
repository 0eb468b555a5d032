import {
  type Behaviour,
  Down,
  monitor,
  noreply,
  type Pid,
  reply,
  replyTo,
  self,
  send,
  sendAfter,
  spawn,
} from "@cinder/actors";
import type { Bus } from "./bus.js";
import { nowMs } from "./clock.js";
import {
  broadcastProblem,
  CLUSTER_TOPIC,
  isNodeReport,
  isStepBroadcast,
  isSyncReply,
  isSyncRequest,
} from "./cluster_messages.js";
import type { DeployLock } from "./deploy_lock.js";
import type { Deployment } from "./deployment.js";
import type { GitHubClient } from "./github_client.js";
import { Runner } from "./runner.js";
import { FIRST_STEP, STEPS, type Step, TOPIC } from "./steps.js";

/** The tracker's registered name on every node. */
export const TRACKER = "deployment-tracker";

/** Options for the tracker. */
export interface TrackerOptions {
  bus: Bus;
  lock: DeployLock;
  github: GitHubClient;
  /** How long one step may take before the lock expires (the lock is refreshed at every step). */
  stepMs: number;
}

interface TrackerState extends TrackerOptions {
  current: Deployment | null;
  runner: { pid: Pid; ref: unknown; deployment: Deployment } | null;
}

/** Requests the tracker answers. */
export type TrackerCall = { op: "current" } | { op: "deploy" };

const REPORT_EVERY_MS = 1000;

/**
 * Marks the tracker's messages to itself. A message from another node is data the codec decoded: it can look
 * like anything made of plain objects, never hold a symbol, so it can never pass for one of these.
 */
const OWN: unique symbol = Symbol("deploy-demo tracker");
const REPORT = { own: OWN, op: "report" } as const;

function isOwn<T extends { op: string }>(msg: unknown, op: T["op"]): msg is T {
  return (
    typeof msg === "object" &&
    msg !== null &&
    (msg as { own?: unknown }).own === OWN &&
    (msg as { op?: unknown }).op === op
  );
}

/**
 * The deployment holder: one per node, registered as `TRACKER`, following the deployments topics. It holds the
 * current deploy's state on its node (so a page opened mid-deploy shows the current step at once), starts
 * deploys (one at a time, cluster-wide, through the lock). (The viewers are counted by Presence: viewers.ts.)
 */
export const Tracker: Behaviour<TrackerState, unknown, TrackerOptions, TrackerCall, unknown> = {
  label: "DeploymentTracker",
  init(opts) {
    const me = self();
    opts.bus.subscribe(me, TOPIC);
    opts.bus.subscribe(me, CLUSTER_TOPIC);
    // A node that starts mid-deploy asks the others where things stand. Cluster messages name their node, and
    // a tracker drops its own node's (see clusterMessage): a plain broadcast, no pid needed.
    opts.bus.broadcast(CLUSTER_TOPIC, "sync-request", { node: opts.bus.node });
    sendAfter(me, REPORT, REPORT_EVERY_MS);
    return { ...opts, current: null, runner: null };
  },

  handleCall(req, from, st) {
    if (req.op === "current") return reply(st.current, st);
    if (st.current?.status === "running" || st.runner !== null)
      return reply({ started: false, current: st.current }, st);
    const deployment: Deployment = {
      id: `${st.bus.node}-${Math.round(nowMs())}`,
      node: st.bus.node,
      status: "running",
      step: FIRST_STEP,
      text: STEPS[FIRST_STEP].text,
      startedAt: nowMs(),
      times: {},
    };
    // The lock is a Redis round trip with the Redis adapter: answer the caller when it settles. The tracker
    // keeps handling messages meanwhile; `runner` marks the slot as taken so a second click waits its turn.
    const pending = { pid: self(), ref: null, deployment };
    st.runner = pending;
    st.lock.acquire(deployment.id, lockTtl(st)).then(
      (ok) => send(pending.pid, { own: OWN, op: "locked", ok, from, deployment } satisfies Locked),
      (err) =>
        send(pending.pid, { own: OWN, op: "locked", ok: false, from, deployment, err } satisfies Locked),
    );
    return noreply(st);
  },

  handleInfo(msg, st) {
    if (isOwn<Locked>(msg, "locked")) return afterLock(msg, st);
    if (msg instanceof Down) return afterDown(msg, st);
    if (isOwn(msg, "report")) return report(st);
    if (isOwn<SilenceCheck>(msg, "silence?")) return afterSilence(msg, st);
    // The rest came through the PubSub, maybe from another node: checked before it touches any state.
    const now = nowMs();
    const problem = broadcastProblem(msg, now);
    if (problem !== null) {
      st.bus.reject(problem.what, problem.why);
      return st;
    }
    if (isStepBroadcast(msg, now)) {
      const d = msg.payload;
      if (
        st.current === null ||
        d.id !== st.current.id ||
        d.status !== "running" ||
        st.current.status === "running"
      ) {
        st.current = d;
      }
      if (st.runner?.deployment.id === d.id && d.status === "running") {
        st.lock.refresh(d.id, lockTtl(st)).catch(() => undefined);
      }
      watchForSilence(st);
      return st;
    }
    return clusterMessage(msg, now, st);
  },
};

function lockTtl(st: TrackerOptions): number {
  return Math.max(5000, st.stepMs * 4);
}

/** A reminder to look again at a deploy run elsewhere: has its node gone silent? (see `watchForSilence`) */
interface SilenceCheck {
  own: typeof OWN;
  op: "silence?";
  id: string;
  step: Step;
}

/**
 * Arms a check for the current deploy, if it runs on another node (this node's runner is monitored).
 *
 * A deploy whose node went away sends no more steps, and nobody broadcasts "failed" (the tracker that would
 * have seen the runner's DOWN is gone too): without this check every other node would show it running, its
 * button disabled, forever. After as long as the deploy lock lives without a refresh, plus a margin, a node
 * that has heard nothing more of a deploy run elsewhere calls it failed, for its own views.
 */
function watchForSilence(st: TrackerState): void {
  const d = st.current;
  if (d === null || d.status !== "running" || st.runner?.deployment.id === d.id) return;
  const check: SilenceCheck = { own: OWN, op: "silence?", id: d.id, step: d.step };
  sendAfter(self(), check, lockTtl(st) + 1000);
}

function afterSilence(msg: SilenceCheck, st: TrackerState): TrackerState {
  const d = st.current;
  if (d === null || d.id !== msg.id || d.step !== msg.step || d.status !== "running") return st;
  if (st.runner?.deployment.id === d.id) return st;
  const failed: Deployment = {
    ...d,
    status: "failed",
    text: `Failed: ${STEPS[d.step].text} (node ${d.node} stopped answering)`,
    lost: true,
  };
  st.current = failed;
  st.bus.log(`DEPLOY ${d.id} LOST: node ${d.node} stopped answering during ${d.step}`);
  st.bus.localBroadcast(TOPIC, "failed", failed);
  return st;
}

interface Locked {
  own: typeof OWN;
  op: "locked";
  ok: boolean;
  from: Parameters<typeof replyTo>[0];
  deployment: Deployment;
  err?: unknown;
}

function afterLock(msg: Locked, st: TrackerState): TrackerState {
  if (!msg.ok) {
    st.runner = null;
    if (msg.err !== undefined) st.bus.log(`deploy lock failed: ${String(msg.err)}`);
    replyTo(msg.from, { started: false, current: st.current });
    return st;
  }
  const d = msg.deployment;
  const pid = spawn(Runner, { deployment: d, bus: st.bus, github: st.github });
  st.runner = { pid, ref: monitor(pid), deployment: d };
  st.current = { ...d };
  replyTo(msg.from, { started: true, current: st.current });
  return st;
}

/** A runner ended (done, or crashed in a step). */
function afterDown(msg: Down, st: TrackerState): TrackerState {
  const r = st.runner;
  if (r === null || !r.pid.equals(msg.pid)) return st;
  st.runner = null;
  st.lock.release(r.deployment.id).catch(() => undefined);
  if (msg.reason !== "normal") {
    const reason = msg.reason as { error?: unknown };
    // Cut short: the text travels to every node, whose guards refuse a long one.
    const why = (reason?.error instanceof Error ? reason.error.message : String(msg.reason)).slice(0, 200);
    const d = st.current?.id === r.deployment.id ? st.current : r.deployment;
    const failed: Deployment = { ...d, status: "failed", text: `Failed: ${STEPS[d.step].text} (${why})` };
    st.current = failed;
    st.bus.broadcast(TOPIC, "failed", failed);
  }
  return st;
}

/** A message of another tracker (its guard has passed: `broadcastProblem` found nothing). */
function clusterMessage(msg: unknown, now: number, st: TrackerState): TrackerState {
  if (isSyncRequest(msg)) {
    const p = msg.payload;
    if (p.node === st.bus.node) return st;
    st.bus.directBroadcast(p.node, CLUSTER_TOPIC, "sync", { node: st.bus.node, state: st.current });
    return st;
  }
  if (isSyncReply(msg, now)) {
    const p = msg.payload;
    if (p.node === st.bus.node) return st;
    if (p.state !== null && (st.current === null || p.state.startedAt > st.current.startedAt)) {
      st.current = p.state;
      st.bus.log(`SYNCED FROM NODE ${p.node}: ${p.state.text}`);
      // Views that mounted on this node before the answer came (a page reloaded, or a client reconnecting,
      // just as the node started) showed "Ready": tell them too, as a broadcast on this node only.
      st.bus.localBroadcast(TOPIC, "sync", p.state);
      watchForSilence(st);
    }
  } else if (isNodeReport(msg, now)) {
    const p = msg.payload;
    if (p.node !== st.bus.node && p.own !== null) catchUp(p.own, p.node, st);
  }
  return st;
}

/**
 * A node's word on the deploy it runs, from its report: adopted when this node is behind, which happens only
 * when it missed broadcasts (cross-node delivery is at most once: those sent while Redis was down are lost). It
 * may have missed a whole deploy, or steps of this one, or have called it lost while its node was out of reach.
 * Never taken when it would step back (a report can be overtaken by the step broadcast that follows it).
 */
function catchUp(own: Deployment, node: string, st: TrackerState): void {
  const d = st.current;
  const behind =
    d === null ||
    (own.id === d.id ? d.lost === true || progress(own) > progress(d) : own.startedAt > d.startedAt);
  if (!behind) return;
  st.current = own;
  st.bus.log(`SYNCED FROM NODE ${node}: ${own.text}`);
  st.bus.localBroadcast(TOPIC, "sync", own);
  watchForSilence(st);
}

/** How far a deploy has got: its step, and whether it has ended at that step. */
function progress(d: Deployment): number {
  return Object.keys(STEPS).indexOf(d.step) * 2 + (d.status === "running" ? 0 : 1);
}

/**
 * Once a second: tell the other nodes the deploy this node runs (or ran last), if any, so that a node that
 * missed its broadcasts (Redis was down, see catchUp) gets its state within a second of hearing from this one.
 */
function report(st: TrackerState): TrackerState {
  sendAfter(self(), REPORT, REPORT_EVERY_MS);
  const own = st.current?.node === st.bus.node ? st.current : null;
  st.bus.broadcast(CLUSTER_TOPIC, "report", { node: st.bus.node, own });
  return st;
}
