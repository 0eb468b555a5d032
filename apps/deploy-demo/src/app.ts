import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";
import { type Behaviour, call, type ExitReason, type Pid, runtime, Supervisor, spawn } from "@cinder/actors";
import { createEndpoint, createLogger, Endpoint, html, type Layout, type Logger } from "@cinder/liveview";
import { DropCounter, PubSub, redis } from "@cinder/pubsub";
import { Redis } from "ioredis";
import type { Bus } from "./bus.js";
import { nowMs } from "./clock.js";
import type { Config } from "./config.js";
import { type DeployLock, localLock, redisLock } from "./deploy_lock.js";
import { githubDeployView, TRACKER } from "./deploy_view.js";
import { type Deployment, Tracker } from "./deployment.js";
import { GitHubClient } from "./github_client.js";
import { Owned } from "./owned.js";
import { statsRequest } from "./stats_access.js";
import { TOPIC } from "./steps.js";

/** A running demo node. */
export interface App {
  /** The endpoint now serving (a new one after each restart of its owner); null while it restarts. */
  readonly endpoint: Endpoint | null;
  /** The PubSub now in use (a new one after each restart of its owner); null while it restarts. */
  readonly pubsub: PubSub | null;
  /** The top supervisor: `pubsub`, `tracker` and `endpoint`, `rest_for_one`. */
  readonly supervisor: Pid;
  /** The port it listens on (useful with `PORT=0`). */
  readonly port: number;
  /**
   * Settles if the supervisor ends other than through `stop()`: it gave up after too many restarts. The app
   * no longer serves then; `main.ts` logs it and exits non-zero.
   */
  readonly failed: Promise<ExitReason>;
  /** Stops gracefully: views end, sockets close, Redis connections close. */
  stop(): Promise<void>;
}

/** The registered names of the owners of the PubSub and of the endpoint (the tracker's is `TRACKER`). */
export const PUBSUB_OWNER = "deploy-demo.pubsub";
export const ENDPOINT_OWNER = "deploy-demo.endpoint";

/** Restart intensity of the top supervisor: more than this many restarts... */
export const MAX_RESTARTS = 3;
/** ...within this many ms, and the supervisor gives up (the app exits). OTP's and Phoenix's default. */
export const RESTART_PERIOD_MS = 5000;

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

/**
 * Starts one node of the demo: the PubSub, the deploy tracker and the endpoint, under one supervisor, and the
 * HTTP server in front of them.
 *
 * Supervision. The three long-lived parts run under a `rest_for_one` supervisor, in dependency order:
 * - `pubsub`: owns the PubSub (its subscription index and, with Redis, its two connections);
 * - `tracker`: the deployment holder, registered as `TRACKER`; it subscribes through the PubSub;
 * - `endpoint`: owns the Endpoint (its websockets, and through them every socket and view process).
 *
 * PubSub and Endpoint are objects, not processes, so each gets a small owning process (see `Owned`): the
 * object lives exactly as long as its owner. However the owner dies (`exit(pid, "kill")` included), the
 * object is disposed of: the PubSub stops (every subscription dropped, Redis disconnected), the Endpoint
 * closes its websockets with 1001, so clients reconnect. The supervisor then starts a new owner, which makes
 * a new object.
 *
 * Why `rest_for_one`: each child depends on the ones before it. Views subscribe through the PubSub and are
 * counted by the tracker when they mount. A view left subscribed to a stopped PubSub would never update
 * again, and a restarted tracker would not know the views already mounted. Restarting what comes after the
 * child that died makes every client reconnect and mount afresh against the new PubSub and tracker: it
 * takes a moment, and the result is correct. The HTTP server stays up and hands each request to the current
 * endpoint (503 while it restarts; the official client retries). More than `MAX_RESTARTS` restarts within
 * `RESTART_PERIOD_MS` and the supervisor gives up: `failed` settles and `main.ts` exits non-zero.
 */
export async function startApp(cfg: Config): Promise<App> {
  const startPubSub = () =>
    PubSub.start({
      name: "deploy-demo",
      node: cfg.node,
      adapter:
        cfg.pubsub === "redis"
          ? redis({ url: cfg.redisUrl, prefix: cfg.redisPrefix, clusterKey: cfg.clusterKey })
          : undefined,
    });
  // The first PubSub starts here, so that a start-up error (Redis unreachable, node name taken) rejects
  // startApp at once; the first owner adopts it, and restarts make new ones.
  const pubsubs = new Owned<PubSub>(PUBSUB_OWNER, startPubSub, (ps) => ps.stop(), await startPubSub());
  // One logger for the node, whichever endpoint is serving.
  const logger = createLogger();
  const lock: DeployLock =
    cfg.pubsub === "redis" ? redisLock(lockConnection(cfg.redisUrl, logger), cfg.redisPrefix) : localLock();

  watchGc();
  // What a load generator reads to tell a step's cost: the server's clock and CPU at each step's broadcast.
  const marks: StepMark[] = [];
  const mark = (topic: string, event: string) => {
    if (topic !== TOPIC) return;
    const cpu = process.cpuUsage();
    marks.push({ event, at: nowMs(), cpuUserUs: cpu.user, cpuSystemUs: cpu.system });
    if (marks.length > 32) marks.shift();
  };

  // The PubSub in use now. While its owner restarts there is none: a broadcast then is lost (and logged), as
  // one is when Redis is down; a view subscribing then crashes, and its client rejoins once the app is back.
  const pubsub = (what: string): PubSub | null => {
    const ps = pubsubs.current;
    if (ps === null) logger.log("warn", `${what} dropped: the PubSub is restarting`);
    return ps;
  };
  const message = (topic: string, event: string, payload: unknown) => ({ topic, event, payload });
  // Messages of other nodes that failed their guard, by kind (in /stats.json).
  const dropped = new DropCounter((line) => logger.log("warn", `deploy demo: a cluster message was ${line}`));

  // The endpoint's broadcast functions, as the article's view calls MyAppWeb.Endpoint.broadcast_from: a
  // `{ topic, event, payload }` through the PubSub (what `endpoint.broadcast` sends), here through whichever
  // PubSub is current, so that the tracker and the runner outlive a restart of the endpoint.
  const bus: Bus = {
    node: cfg.node,
    subscribe: (pid, topic) => {
      const ps = pubsubs.current;
      if (ps === null) throw new Error(`cannot subscribe to ${topic}: the PubSub is restarting`);
      ps.subscribe(pid, topic);
    },
    broadcast: (topic, event, payload) => {
      mark(topic, event);
      void pubsub(`broadcast ${topic} ${event}`)?.broadcast(topic, message(topic, event, payload));
    },
    broadcastFrom: (from, topic, event, payload) => {
      mark(topic, event);
      void pubsub(`broadcast ${topic} ${event}`)?.broadcastFrom(from, topic, message(topic, event, payload));
    },
    directBroadcast: (node, topic, event, payload) =>
      void pubsub(`broadcast ${topic} ${event}`)?.directBroadcast(
        node,
        topic,
        message(topic, event, payload),
      ),
    localBroadcast: (topic, event, payload) =>
      pubsub(`broadcast ${topic} ${event}`)?.localBroadcast(topic, message(topic, event, payload)),
    log: (line) => logger.log("info", line),
    reject: (what, why) => dropped.drop(what, why),
  };
  const view = githubDeployView(bus);
  const endpoints = new Owned<Endpoint>(
    ENDPOINT_OWNER,
    async () =>
      createEndpoint({
        routes: { "/": view },
        pubsub: await pubsubs.ready(),
        secret: cfg.secret,
        trustProxy: cfg.trustProxy,
        title: "Deploy to GitHub",
        layout,
        logger,
      }),
    (ep) => ep.close(2000),
  );

  const github = new GitHubClient({ stepMs: cfg.stepMs, failStep: cfg.failStep });
  const trackerOpts = { bus, lock, github, stepMs: cfg.stepMs };
  // The tracker starts once there is a PubSub to subscribe through (at once, except after a PubSub restart);
  // calls to it wait in its mailbox meanwhile.
  const tracker: Behaviour<any, unknown, typeof trackerOpts> = {
    ...Tracker,
    async init(opts) {
      await pubsubs.ready();
      return Tracker.init(opts);
    },
  };
  const sup = Supervisor.start({
    strategy: "rest_for_one",
    intensity: MAX_RESTARTS,
    period: RESTART_PERIOD_MS,
    children: [
      { id: "pubsub", start: pubsubs.start },
      { id: "tracker", start: () => spawn(tracker, trackerOpts, { name: TRACKER }) },
      { id: "endpoint", start: endpoints.start },
    ],
  });
  let stopping: Promise<void> | null = null;
  const failed = new Promise<ExitReason>((resolve) => {
    runtime().watch(sup, (reason) => {
      if (stopping === null) resolve(reason);
    });
  });
  const first = await Promise.race([endpoints.ready(), failed]);
  if (!(first instanceof Endpoint)) throw new Error(`the supervisor failed while starting: ${String(first)}`);

  const server: Server = createServer((req, res) => {
    const endpoint = endpoints.current;
    // The stats paths expose the node's internals: only as `cfg.stats` allows, else a 404 like any path.
    const statsPath = statsRequest(req, cfg.stats);
    if (statsPath === "/stats.json") {
      return json(res, {
        ...stats(cfg.node),
        connections: endpoint?.connections ?? 0,
        pubsub: pubsubs.current?.stats() ?? null,
        droppedMessages: dropped.counts(),
        steps: marks,
      });
    }
    if (statsPath === "/gc.json") return json(res, gcLog);
    if (statsPath === "/deployment.json") {
      // The tracker's current deploy: its payload's `startedAt + times[step]` is when each step was broadcast.
      call<Deployment | null>(TRACKER, { op: "current" }).then(
        (d) => json(res, d),
        (err) => res.writeHead(503, { "content-type": "text/plain" }).end(String(err)),
      );
      return;
    }
    if (endpoint === null) {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "1" }).end("Restarting");
      return;
    }
    endpoint.handler(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    const endpoint = endpoints.current;
    if (endpoint !== null) return endpoint.handleUpgrade(req, socket, head);
    socket.on("error", () => {});
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    get endpoint() {
      return endpoints.current;
    },
    get pubsub() {
      return pubsubs.current;
    },
    supervisor: sup,
    port,
    failed,
    stop: () =>
      (stopping ??= (async () => {
        await endpoints.current?.close(2000);
        await Supervisor.stop(sup);
        await Promise.all([endpoints.disposed(), pubsubs.disposed()]);
        await lock.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };
}

/**
 * The deploy lock's own Redis connection. Without an `error` listener ioredis prints "Unhandled error event"
 * with a stack for every reconnect attempt while Redis is down (several a second): the outage is logged once
 * here instead, and the return. Meanwhile a click answers that the deploy could not start.
 */
function lockConnection(url: string, logger: Logger): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  let down = false;
  r.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.log(
      "warn",
      `deploy lock: lost Redis (${err.message}); no deploy can start until it is back; reconnecting`,
    );
  });
  r.on("ready", () => {
    if (!down) return;
    down = false;
    logger.log("info", "deploy lock: reconnected to Redis");
  });
  return r;
}

/** The last garbage collections (epoch ms start, pause ms, kind), for /gc.json: a load generator lines them up with steps. */
const gcLog: { at: number; ms: number; kind: string }[] = [];
let gcObserver: PerformanceObserver | null = null;

function watchGc(): void {
  if (gcObserver !== null) return;
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
      gcLog.push({
        at: performance.timeOrigin + e.startTime,
        ms: e.duration,
        kind: kinds[kind] ?? String(kind),
      });
      if (gcLog.length > 512) gcLog.shift();
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });
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
    heapTotal: mem.heapTotal,
    external: mem.external,
    // Where the heap's memory is (what RSS holds beyond the live objects: the young generation, free space).
    heapSpaces: Object.fromEntries(
      getHeapSpaceStatistics().map((sp) => [
        sp.space_name,
        { size: sp.space_size, used: sp.space_used_size, physical: sp.physical_space_size },
      ]),
    ),
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    ...runtime().stats(),
  };
}

function json(res: import("node:http").ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}
