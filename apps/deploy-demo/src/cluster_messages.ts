import type { Broadcast } from "@cinder/liveview";
import type { Deployment } from "./deployment.js";
import { isStep, STEPS, TOPIC } from "./steps.js";

// Every broadcast a tracker or a view receives may come from another node through Redis, that is from anyone
// who can PUBLISH there: each kind has a guard, and whatever fails one is dropped (counted, logged once a minute
// per kind) before it touches any state.

/** The topic trackers use among themselves: sync on start, and each node's report of the deploy it runs. */
export const CLUSTER_TOPIC = "deployments:cluster";
/**
 * The views' Presence topic: each view is tracked there (meta: its node). Only the node's viewer counter
 * subscribes to it (its diffs arrive as `presence_diff`): a view that did would hear of every join.
 */
export const VIEWERS_TOPIC = "deployments:viewers";
/** Where a node's viewer counter tells its own views the count (`count`, a `ViewerCount`), on that node only. */
export const VIEWER_COUNT_TOPIC = "deployments:viewer-count";

/** How far in the future a deploy's `startedAt` may lie (clocks of two machines differ a little). */
export const CLOCK_SKEW_MS = 5_000;
const MAX_NAME = 200;
/** Most nodes a viewer count names (a count naming more is refused, not cut: it is not one a counter made). */
export const MAX_COUNT_NODES = 100;
/** Most viewers a count may claim (far above what one cluster of the demo holds). */
const MAX_VIEWERS = 10_000_000;
/** A deploy's status line: a step's text, or a failure with its reason (cut at 200 characters). */
const MAX_TEXT = 500;
const STATUSES = new Set(["running", "done", "failed"]);
const DEPLOYMENT_KEYS = new Set(["id", "node", "status", "step", "text", "startedAt", "times", "lost"]);

/** `sync-request`: a node that just started asks where things stand. */
export interface SyncRequest {
  node: string;
}
/** `sync`: the answer, direct to the node that asked. */
export interface SyncReply {
  node: string;
  state: Deployment | null;
}
/** `report`: each node's report, once a second, of the deploy it runs (or ran last). */
export interface NodeReport {
  node: string;
  own: Deployment | null;
}

/** `presence_diff` on VIEWERS_TOPIC, from this node's Presence: the counter then recounts from its list. */
export interface ViewersDiff {
  joins: Record<string, unknown>;
  leaves: Record<string, unknown>;
}

/** How many views watch, cluster-wide and by node (from the Presence list); `count` on VIEWER_COUNT_TOPIC. */
export interface ViewerCount {
  total: number;
  byNode: Record<string, number>;
}

/** What a failed check says: the kind of message (the counter's name) and why. */
export interface Problem {
  what: string;
  why: string;
}

/** Why `d` is not a deployment as nodes send them, or null. `now` is this node's clock (epoch ms). */
export function deploymentProblem(d: unknown, now: number): string | null {
  if (!isPlainObject(d)) return `not an object (${kindOf(d)})`;
  for (const k of Object.keys(d)) if (!DEPLOYMENT_KEYS.has(k)) return `an unknown field ${quote(k)}`;
  if (!isName(d.id)) return "no id (a short string)";
  if (!isName(d.node)) return "no node (a short string)";
  if (typeof d.status !== "string" || !STATUSES.has(d.status)) return "no status (running, done or failed)";
  if (!isStep(d.step)) return `no step (one of ${Object.keys(STEPS).join(", ")})`;
  if (typeof d.text !== "string" || d.text.length > MAX_TEXT) return "no text (a string)";
  if (typeof d.startedAt !== "number" || !Number.isFinite(d.startedAt) || d.startedAt <= 0)
    return "no startedAt (epoch ms)";
  if (d.startedAt > now + CLOCK_SKEW_MS) {
    return `a startedAt ${Math.round(d.startedAt - now)} ms in the future`;
  }
  if (!isPlainObject(d.times)) return "no times (an object)";
  for (const [step, t] of Object.entries(d.times)) {
    if (!isStep(step)) return `times for an unknown step ${quote(step)}`;
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) return `times.${step} is not a finite number`;
  }
  if (d.lost !== undefined && d.lost !== true) return "lost is neither absent nor true";
  return null;
}

/** A deployment, as every node sends them (fields present and well-typed, not started in the future). */
export function isDeployment(d: unknown, now: number): d is Deployment {
  return deploymentProblem(d, now) === null;
}

/** A step of a deploy (`create-org`, ..., `done`), a `failed` or a node-local `sync` on the deployments topic. */
export function isStepBroadcast(msg: unknown, now: number): msg is Broadcast<Deployment> {
  return stepProblem(msg, now) === null;
}
export function isSyncRequest(msg: unknown): msg is Broadcast<SyncRequest> {
  return syncRequestProblem(msg) === null;
}
export function isSyncReply(msg: unknown, now: number): msg is Broadcast<SyncReply> {
  return syncReplyProblem(msg, now) === null;
}
export function isNodeReport(msg: unknown, now: number): msg is Broadcast<NodeReport> {
  return nodeReportProblem(msg, now) === null;
}
export function isViewersDiff(msg: unknown): msg is Broadcast<ViewersDiff> {
  return viewersDiffProblem(msg) === null;
}
export function isViewerCountBroadcast(msg: unknown): msg is Broadcast<ViewerCount> {
  return viewerCountProblem(msg) === null;
}

/**
 * Checks any message a tracker or a view gets from the PubSub: null when it is a valid message of a known kind
 * (its guard then holds), else what it claimed to be and why it is refused.
 */
export function broadcastProblem(msg: unknown, now: number): Problem | null {
  if (!isPlainObject(msg) || typeof msg.topic !== "string" || typeof msg.event !== "string") {
    return { what: "not-a-broadcast", why: `a ${kindOf(msg)}, not { topic, event, payload }` };
  }
  const p = (what: string, why: string | null): Problem | null => (why === null ? null : { what, why });
  if (msg.topic === TOPIC) return p("step", stepProblem(msg, now));
  if (msg.topic === VIEWERS_TOPIC) return p("viewers-diff", viewersDiffProblem(msg));
  if (msg.topic === VIEWER_COUNT_TOPIC) return p("viewer-count", viewerCountProblem(msg));
  if (msg.topic === CLUSTER_TOPIC) {
    if (msg.event === "sync-request") return p("sync-request", syncRequestProblem(msg));
    if (msg.event === "sync") return p("sync", syncReplyProblem(msg, now));
    if (msg.event === "report") return p("report", nodeReportProblem(msg, now));
  }
  return { what: "unknown", why: `topic ${quote(msg.topic)}, event ${quote(msg.event)}` };
}

function stepProblem(msg: unknown, now: number): string | null {
  if (!isPlainObject(msg) || msg.topic !== TOPIC) return "not a deployments broadcast";
  const { event, payload } = msg;
  if (!(isStep(event) || event === "failed" || event === "sync")) return `an unknown event ${quote(event)}`;
  const bad = deploymentProblem(payload, now);
  if (bad !== null) return `a deployment with ${bad}`;
  const d = payload as Deployment;
  if (isStep(event) && (d.step !== event || d.status !== (event === "done" ? "done" : "running")))
    return `step ${event} with a deployment at ${d.step} (${d.status})`;
  if (event === "failed" && d.status !== "failed") return `failed with a deployment that is ${d.status}`;
  return null;
}

function syncRequestProblem(msg: unknown): string | null {
  const p = payloadOf(msg, "sync-request");
  if (typeof p === "string") return p;
  return isName(p.node) ? null : "no node";
}

function syncReplyProblem(msg: unknown, now: number): string | null {
  const p = payloadOf(msg, "sync");
  if (typeof p === "string") return p;
  if (!isName(p.node)) return "no node";
  const bad = p.state === null ? null : deploymentProblem(p.state, now);
  return bad === null ? null : `a state with ${bad}`;
}

function nodeReportProblem(msg: unknown, now: number): string | null {
  const p = payloadOf(msg, "report");
  if (typeof p === "string") return p;
  if (!isName(p.node)) return "no node";
  if (p.own === null) return null;
  const bad = deploymentProblem(p.own, now);
  if (bad !== null) return `an own deployment with ${bad}`;
  // A node reports the deploy it runs itself: another node's is not its to tell.
  return (p.own as Deployment).node === p.node ? null : "an own deployment of another node";
}

function viewersDiffProblem(msg: unknown): string | null {
  if (!isPlainObject(msg) || msg.topic !== VIEWERS_TOPIC || msg.event !== "presence_diff")
    return "not a presence_diff";
  // Its content is not read (the view counts from its node's Presence): only its shape is checked.
  const p = msg.payload;
  return isPlainObject(p) && isObject(p.joins) && isObject(p.leaves) ? null : "no joins and leaves";
}

/**
 * The counter broadcasts on this node only, but anyone who can PUBLISH to Redis can send on its topic too: a
 * count is shown as it is, so it must be one a counter could have made (the sum of at most 100 nodes' counts).
 */
function viewerCountProblem(msg: unknown): string | null {
  if (!isPlainObject(msg) || msg.topic !== VIEWER_COUNT_TOPIC || msg.event !== "count") return "not a count";
  const p = msg.payload;
  if (!isPlainObject(p)) return `a payload that is ${kindOf(p)}`;
  for (const k of Object.keys(p)) if (k !== "total" && k !== "byNode") return `an unknown field ${quote(k)}`;
  if (!isCount(p.total)) return "no total (an integer, 0 to 10 million)";
  if (!isPlainObject(p.byNode)) return "no byNode (an object)";
  const nodes = Object.entries(p.byNode);
  if (nodes.length > MAX_COUNT_NODES) return `${nodes.length} nodes (at most ${MAX_COUNT_NODES})`;
  let sum = 0;
  for (const [node, n] of nodes) {
    if (!isName(node)) return "a node name that is empty or too long";
    if (!isCount(n) || n === 0) return `byNode.${quote(node)} is not a count (an integer, 1 to 10 million)`;
    sum += n;
  }
  return sum === p.total ? null : `a total of ${p.total} for nodes that add up to ${sum}`;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_VIEWERS;
}

/** The payload of a cluster message with `event`, if it is an object; else why not. */
function payloadOf(msg: unknown, event: string): Record<string, unknown> | string {
  if (!isPlainObject(msg) || msg.topic !== CLUSTER_TOPIC || msg.event !== event) return `not a ${event}`;
  return isPlainObject(msg.payload) ? msg.payload : `a payload that is ${kindOf(msg.payload)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A node's name or an id as nodes send them: a non-empty string of at most 200 characters. */
export function isName(v: unknown): v is string {
  return typeof v === "string" && v !== "" && v.length <= MAX_NAME;
}

/** A plain object or a null-prototype one (Presence's maps of presences are the latter). */
function isObject(v: unknown): v is object {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object"
    ? `an object (${Object.getPrototypeOf(v)?.constructor?.name ?? "null"})`
    : typeof v;
}

function quote(v: unknown): string {
  const s = String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
}
