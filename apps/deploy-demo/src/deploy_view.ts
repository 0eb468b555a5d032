import { call, self } from "@cinder/actors";
import { defineLiveView, html, type LiveView } from "@cinder/liveview";
import type { Bus } from "./bus.js";
import { nowMs } from "./clock.js";
import {
  broadcastProblem,
  isStepBroadcast,
  isViewerCountBroadcast,
  VIEWER_COUNT_TOPIC,
  type ViewerCount,
} from "./cluster_messages.js";
import type { Deployment } from "./deployment.js";
import { STEPS, type Step, TOPIC } from "./steps.js";
import { TRACKER, type TrackerCall } from "./tracker.js";
import { trackViewer } from "./viewers.js";

interface Assigns {
  node: string;
  deployment: Deployment | null;
  viewers: ViewerCount | null;
  notice: string;
}

/**
 * The article's `GithubDeployView`. A click asks this node's tracker to start a deploy; the deploy's steps
 * then arrive here, like everywhere else, as `{ topic, event, payload }` broadcasts in `handleInfo`.
 */
export function githubDeployView(bus: Bus): LiveView<Assigns> {
  return defineLiveView<Assigns>({
    name: "GithubDeployView",

    async mount(_params, _session, socket) {
      socket.assign({ node: bus.node, deployment: null, viewers: null, notice: "" });
      const viewers = bus.viewers();
      if (socket.connected) {
        bus.subscribe(self(), TOPIC);
        // Presence: this view counts as a viewer until it exits. The node's counter hears of joins and
        // leaves, and tells the views the count when it changes (at most once a second).
        bus.subscribe(self(), VIEWER_COUNT_TOPIC);
        if (viewers !== null) trackViewer(viewers.presence, self(), bus.node);
      }
      // A page opened mid-deploy shows the current step at once, on any node; a joining one, the count (the
      // counter's latest: this view's own join shows with the counter's next broadcast).
      const deployment = await call<Deployment | null>(TRACKER, { op: "current" } satisfies TrackerCall);
      socket.assign({ deployment, viewers: viewers?.counter.count ?? null });
    },

    async handleEvent(event, _value, socket) {
      if (event !== "deploy") return;
      const r = await call<{ started: boolean; current: Deployment | null }>(TRACKER, { op: "deploy" });
      socket.assign({
        deployment: r.current,
        notice: r.started ? "" : "A deploy is already running: this click did not start another one.",
      });
    },

    handleInfo(msg, socket) {
      // Broadcasts may come from another node: only a valid one changes what the page shows.
      const now = nowMs();
      const problem = broadcastProblem(msg, now);
      if (problem !== null) return bus.reject(problem.what, problem.why);
      if (isViewerCountBroadcast(msg)) {
        socket.assign({ viewers: msg.payload });
      } else if (isStepBroadcast(msg, now)) {
        bus.log(`HANDLE BROADCAST FOR ${msg.event}`);
        socket.assign({ deployment: msg.payload, notice: "" });
      }
    },

    render: ({ node, deployment: d, viewers, notice }) => html`<main class="deploy">
  <h1>Deploy to GitHub</h1>
  <p class="meta">Served by node <b>${node}</b> · ${viewersText(viewers)}</p>
  <button phx-click="deploy" ${d?.status === "running" ? "disabled" : ""}>Deploy to GitHub</button>
  <p>Status: <span class="${statusClass(d)}">${statusText(d)}</span></p>
  <table class="steps">
    <tr><td>Creating org</td><td>${time(d, "create-org")}</td></tr>
    <tr><td>Creating repo</td><td>${time(d, "create-repo")}</td></tr>
    <tr><td>Pushing contents</td><td>${time(d, "push-contents")}</td></tr>
    <tr><td>Done!</td><td>${time(d, "done")}</td></tr>
  </table>
  <p class="notice">${notice}</p>
</main>`,
  });
}

// Rendering reads state defensively: whatever a deployment holds (messages are checked, but a view must never
// answer 500 on odd state), each helper falls back to what the page shows without it.

/** When a step started, as `+1.60s` after the deploy's start (blank for steps not reached). */
function time(d: Deployment | null, step: Step): string {
  const t = (d?.times as Record<string, unknown> | undefined)?.[step];
  return typeof t === "number" && Number.isFinite(t) ? `+${(t / 1000).toFixed(2)}s` : "";
}

function statusClass(d: Deployment | null): string {
  const s = d?.status;
  return s === "running" || s === "done" || s === "failed" ? s : "idle";
}

function statusText(d: Deployment | null): string {
  if (d === null) return "Ready";
  if (typeof d.text === "string") return d.text;
  return Object.hasOwn(STEPS, d.step) ? STEPS[d.step].text : "Ready";
}

function viewersText(v: ViewerCount | null): string {
  if (v === null || typeof v.byNode !== "object" || v.byNode === null) return "";
  const nodes = Object.entries(v.byNode)
    .map(([n, c]) => `${n}: ${Number(c)}`)
    .join(", ");
  return `${Number(v.total)} watching (${nodes})`;
}
