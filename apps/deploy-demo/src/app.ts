import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { call, runtime, Supervisor, spawn } from "@cinder/actors";
import { createEndpoint, type Endpoint, html, type Layout } from "@cinder/liveview";
import { PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import type { Config } from "./config.js";
import { type DeployLock, localLock, redisLock } from "./deploy_lock.js";
import { githubDeployView, TRACKER } from "./deploy_view.js";
import { type Bus, type Deployment, nowMs, Tracker } from "./deployment.js";
import { GitHubClient } from "./github_client.js";
import { TOPIC } from "./steps.js";

/** A running demo node. */
export interface App {
  readonly endpoint: Endpoint;
  readonly pubsub: PubSub;
  /** The port it listens on (useful with `PORT=0`). */
  readonly port: number;
  /** Stops gracefully: views end, sockets close, Redis connections close. */
  stop(): Promise<void>;
}

const layout: Layout = (page) => html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${page.head}
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 34rem; color: #222; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 0; background: #24292f; color: #fff; cursor: pointer; }
  button[disabled] { opacity: .5; cursor: default; }
  .meta { color: #666; font-size: .9rem; }
  .running { color: #b36b00; } .done { color: #1a7f37; } .failed { color: #cf222e; } .idle { color: #666; }
  table.steps td { padding: .1rem 1.5rem .1rem 0; } table.steps td:last-child { color: #666; font-variant-numeric: tabular-nums; }
  .notice { color: #666; min-height: 1.5em; }
</style>
</head>
<body>
${page.content}
</body>
</html>
`;

/** Starts one node of the demo: PubSub, the deploy tracker (supervised), the endpoint and the HTTP server. */
export async function startApp(cfg: Config): Promise<App> {
  const pubsub = await PubSub.start({
    name: "deploy-demo",
    node: cfg.node,
    adapter: cfg.pubsub === "redis" ? redis({ url: cfg.redisUrl, prefix: cfg.redisPrefix }) : undefined,
  });
  const lock: DeployLock =
    cfg.pubsub === "redis"
      ? redisLock(new Redis(cfg.redisUrl, { maxRetriesPerRequest: 1 }), cfg.redisPrefix)
      : localLock();

  // What a load generator reads to tell a step's cost: the server's clock and CPU at each step's broadcast.
  const marks: StepMark[] = [];
  const mark = (topic: string, event: string) => {
    if (topic !== TOPIC) return;
    const cpu = process.cpuUsage();
    marks.push({ event, at: nowMs(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
    if (marks.length > 32) marks.shift();
  };

  // The endpoint's broadcast functions, as the article's view calls MyAppWeb.Endpoint.broadcast_from.
  const bus: Bus = {
    node: cfg.node,
    subscribe: (pid, topic) => endpoint.subscribe(pid, topic),
    broadcast: (topic, event, payload) => {
      mark(topic, event);
      void endpoint.broadcast(topic, event, payload);
    },
    broadcastFrom: (from, topic, event, payload) => {
      mark(topic, event);
      void endpoint.broadcastFrom(from, topic, event, payload);
    },
    directBroadcast: (node, topic, event, payload) =>
      void pubsub.directBroadcast(node, topic, { topic, event, payload }),
    localBroadcast: (topic, event, payload) => pubsub.localBroadcast(topic, { topic, event, payload }),
    log: (message) => endpoint.logger.log("info", message),
  };
  const endpoint: Endpoint = createEndpoint({
    routes: { "/": githubDeployView(bus) },
    pubsub,
    secret: cfg.secret,
    title: "Deploy to GitHub",
    layout,
  });

  const github = new GitHubClient({ stepMs: cfg.stepMs, failStep: cfg.failStep });
  const sup = Supervisor.start({
    strategy: "one_for_one",
    children: [
      {
        id: "tracker",
        start: () => spawn(Tracker, { bus, lock, github, stepMs: cfg.stepMs }, { name: TRACKER, link: true }),
      },
    ],
  });

  const server: Server = createServer((req, res) => {
    if (req.url === "/stats.json")
      return json(res, { ...stats(cfg.node), connections: endpoint.connections, steps: marks });
    if (req.url === "/deployment.json") {
      // The tracker's current deploy: its payload's `startedAt + times[step]` is when each step was broadcast.
      call<Deployment | null>(TRACKER, { op: "current" }).then(
        (d) => json(res, d),
        (err) => res.writeHead(503, { "content-type": "text/plain" }).end(String(err)),
      );
      return;
    }
    endpoint.handler(req, res);
  });
  server.on("upgrade", endpoint.handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let stopping: Promise<void> | null = null;
  return {
    endpoint,
    pubsub,
    port,
    stop: () =>
      (stopping ??= (async () => {
        await endpoint.close(2000);
        await Supervisor.stop(sup);
        await pubsub.stop();
        await lock.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };
}

/** When a step was broadcast on this node (epoch ms), and the process's CPU time then. */
interface StepMark {
  event: string;
  at: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

/** What a load generator reads to measure the server: memory, CPU, process counts and this node's clock. */
function stats(node: string) {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    node,
    now: nowMs(),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    ...runtime().stats(),
  };
}

function json(res: import("node:http").ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}
