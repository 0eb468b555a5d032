/**
 * The deploy demo on LiveViewJS 0.8.1 (Express adapter), for `npm run bench:load -- --peer liveviewjs`: the
 * same page text, button, step names and JSON paths the load harness reads from Cinder's demo, so that one
 * harness measures both. A click starts a deploy whose steps follow one another on timers (DEPLOY_STEP_MS);
 * each step is broadcast through LiveViewJS's PubSub to every connected view, which shows it in handleInfo.
 *
 * Environment: PORT (0: any), DEPLOY_STEP_MS, STATS_TOKEN (the JSON paths answer only with it as a bearer
 * token). Plain JavaScript on purpose: it runs from here with its own node_modules and is no part of the
 * TypeScript build.
 */
import { createServer } from "node:http";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { NodeExpressLiveViewServer } from "@liveviewjs/express";
import express from "express";
import session from "express-session";
import { createLiveView, html, SingleProcessPubSub } from "liveviewjs";
import { WebSocketServer } from "ws";

const STEPS = {
  "create-org": { text: "Creating org", next: "create-repo" },
  "create-repo": { text: "Creating repo", next: "push-contents" },
  "push-contents": { text: "Pushing contents", next: "done" },
  done: { text: "Done!", next: null },
};
const TOPIC = "deployments";

const stepMs = Number(process.env.DEPLOY_STEP_MS ?? 500);
if (!Number.isFinite(stepMs) || stepMs < 0)
  throw new Error(`DEPLOY_STEP_MS must be a number >= 0, not ${stepMs}`);
const statsToken = process.env.STATS_TOKEN ?? "";
const port = Number(process.env.PORT ?? 4002);

const nowMs = () => performance.timeOrigin + performance.now();
const pubSub = new SingleProcessPubSub();

/** The current deploy (null before the first), its steps' broadcast times as ms after its start. */
let current = null;
/** CPU and clock at each step's broadcast, as Cinder's demo keeps them for /stats.json. */
const marks = [];
let views = 0;

/** One step of the chain: stamp it, broadcast it, and set the timer for the next. */
function runStep(step) {
  const d = current;
  d.step = step;
  d.text = STEPS[step].text;
  d.times = { ...d.times, [step]: nowMs() - d.startedAt };
  if (step === "done") d.status = "done";
  const cpu = process.cpuUsage();
  marks.push({ event: step, at: nowMs(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
  if (marks.length > 32) marks.shift();
  pubSub.broadcast(TOPIC, { type: "step", deployment: { ...d } });
  const next = STEPS[step].next;
  if (next !== null) setTimeout(() => runStep(next), stepMs);
}

function startDeploy() {
  if (current !== null && current.status === "running") return false;
  current = {
    id: Math.random().toString(36).slice(2),
    status: "running",
    text: "Starting",
    startedAt: nowMs(),
    times: {},
  };
  setTimeout(() => runStep("create-org"), 0);
  return true;
}

const time = (d, step) => (d?.times?.[step] === undefined ? "" : `+${(d.times[step] / 1000).toFixed(2)}s`);
const statusText = (d) => (d === null ? "Ready" : d.text);
const statusClass = (d) => (d === null ? "idle" : d.status);

const deployView = createLiveView({
  mount: (socket) => {
    socket.assign({ deployment: current === null ? null : { ...current }, notice: "" });
    if (socket.connected) {
      views++;
      socket.subscribe(TOPIC);
    }
  },
  handleEvent: (event, socket) => {
    if (event.type !== "deploy") return;
    const started = startDeploy();
    socket.assign({
      deployment: current === null ? null : { ...current },
      notice: started ? "" : "A deploy is already running: this click did not start another one.",
    });
  },
  handleInfo: (info, socket) => {
    if (info.type === "step") socket.assign({ deployment: info.deployment, notice: "" });
  },
  shutdown: () => {
    views--;
  },
  render: (ctx) => {
    const d = ctx.deployment;
    return html`<main class="deploy">
  <h1>Deploy to GitHub</h1>
  <button phx-click="deploy" ${d?.status === "running" ? "disabled" : ""}>Deploy to GitHub</button>
  <p>Status: <span class="${statusClass(d)}">${statusText(d)}</span></p>
  <table class="steps">
    <tr><td>Creating org</td><td>${time(d, "create-org")}</td></tr>
    <tr><td>Creating repo</td><td>${time(d, "create-repo")}</td></tr>
    <tr><td>Pushing contents</td><td>${time(d, "push-contents")}</td></tr>
    <tr><td>Done!</td><td>${time(d, "done")}</td></tr>
  </table>
  <p class="notice">${ctx.notice}</p>
</main>`;
  },
});

const page = (title, csrfToken, content) => html`<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="csrf-token" content="${csrfToken}" />
    <title>${title.title}</title>
  </head>
  <body>
    ${content}
  </body>
</html>`;

const liveServer = new NodeExpressLiveViewServer(
  { "/": deployView },
  page,
  { title: "Deploy to GitHub" },
  { pubSub },
);

const gcLog = [];
const gcKinds = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcLog.push({
      at: performance.timeOrigin + e.startTime,
      ms: e.duration,
      kind: gcKinds[e.detail?.kind] ?? "?",
    });
    if (gcLog.length > 512) gcLog.shift();
  }
}).observe({ entryTypes: ["gc"] });

let wss = null;
function stats() {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    now: nowMs(),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    heapTotal: mem.heapTotal,
    heapSpaces: Object.fromEntries(
      getHeapSpaceStatistics().map((sp) => [
        sp.space_name,
        { size: sp.space_size, used: sp.space_used_size, physical: sp.physical_space_size },
      ]),
    ),
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    // No actors here: a view counts as the demo's "process", and there is no run queue to wait for.
    processes: views,
    runQueue: 0,
    connections: wss === null ? 0 : wss.clients.size,
    steps: marks,
  };
}

const app = express();
const jsonPaths = { "/stats.json": stats, "/gc.json": () => gcLog, "/deployment.json": () => current };
app.use((req, res, next) => {
  const answer = jsonPaths[req.path];
  if (answer === undefined) return next();
  if (statsToken === "" || req.get("authorization") !== `Bearer ${statsToken}`) return res.status(404).end();
  res.json(answer());
});
app.use(
  session({ secret: process.env.SECRET_KEY_BASE || "peer-bench", resave: false, saveUninitialized: true }),
);
app.use(liveServer.httpMiddleware());

const httpServer = createServer();
wss = new WebSocketServer({ server: httpServer, path: "/live/websocket" });
liveServer.wsMiddleware()(wss);
httpServer.on("request", app);
httpServer.listen(port, () => {
  console.log(`LiveViewJS deploy demo on http://localhost:${httpServer.address().port}`);
});
process.on("SIGTERM", () => {
  httpServer.close();
  for (const ws of wss.clients) ws.terminate();
  process.exit(0);
});
