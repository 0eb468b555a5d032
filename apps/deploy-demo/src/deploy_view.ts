import { call, cast, self } from "@cinder/actors";
import { defineLiveView, html, type LiveView } from "@cinder/liveview";
import {
  type Bus,
  type Deployment,
  isBroadcast,
  type TrackerCall,
  VIEWERS_TOPIC,
  type ViewerCount,
} from "./deployment.js";
import { type Step, TOPIC } from "./steps.js";

/** The tracker's registered name on every node. */
export const TRACKER = "deployment-tracker";

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
      if (socket.connected) {
        bus.subscribe(self(), TOPIC);
        bus.subscribe(self(), VIEWERS_TOPIC);
        cast(TRACKER, { op: "watch", pid: self() });
      }
      // A page opened mid-deploy shows the current step at once, on any node.
      const [deployment, viewers] = await Promise.all([
        call<Deployment | null>(TRACKER, { op: "current" } satisfies TrackerCall),
        call<ViewerCount>(TRACKER, { op: "viewers" } satisfies TrackerCall),
      ]);
      socket.assign({ deployment, viewers });
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
      if (!isBroadcast(msg)) return;
      if (msg.topic === VIEWERS_TOPIC) {
        socket.assign({ viewers: msg.payload as ViewerCount });
        return;
      }
      bus.log(`HANDLE BROADCAST FOR ${msg.event}`);
      socket.assign({ deployment: msg.payload as Deployment, notice: "" });
    },

    render: ({ node, deployment: d, viewers, notice }) => html`<main class="deploy">
  <h1>Deploy to GitHub</h1>
  <p class="meta">Served by node <b>${node}</b> · ${viewersText(viewers)}</p>
  <button phx-click="deploy" ${d?.status === "running" ? "disabled" : ""}>Deploy to GitHub</button>
  <p>Status: <span class="${d?.status ?? "idle"}">${d?.text ?? "Ready"}</span></p>
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

/** When a step started, as `+1.60s` after the deploy's start (blank for steps not reached). */
function time(d: Deployment | null, step: Step): string {
  const t = d?.times[step];
  return t === undefined ? "" : `+${(t / 1000).toFixed(2)}s`;
}

function viewersText(v: ViewerCount | null): string {
  if (v === null) return "";
  const nodes = Object.entries(v.byNode)
    .map(([n, c]) => `${n}: ${c}`)
    .join(", ");
  return `${v.total} watching (${nodes})`;
}
