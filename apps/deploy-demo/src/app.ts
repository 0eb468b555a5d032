import { type ExitReason, environment, type Pid } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint } from "@cinder/liveview";
import { PubSub, parentChannel, redis, workerIndex, workers } from "@cinder/pubsub";
import { pubsubBus } from "./bus.js";
import type { Config } from "./config.js";
import { dashboardRoutes } from "./dashboard_routes.js";
import { deploySocket } from "./deploy_channel.js";
import { type DeployLock, localLock, lockConnection, redisLock } from "./deploy_lock.js";
import { githubDeployView } from "./deploy_view.js";
import { GitHubClient } from "./github_client.js";
import { listenHttpFront } from "./http_front.js";
import { Instrumentation } from "./instrumentation.js";
import { layout } from "./layout.js";
import { SupervisedObject } from "./supervised_object.js";
import { ENDPOINT_OWNER, PUBSUB_OWNER, superviseNode } from "./supervision.js";
import { stopNodeViewers } from "./viewers.js";
import { workersLock } from "./workers_lock.js";

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

/**
 * Starts one node of the demo: the PubSub, the deploy tracker and the endpoint under one supervisor (see
 * `superviseNode` for what restarts when, and why), the HTTP server in front of them (`listenHttpFront`: it
 * stays up through their restarts), and the instruments a load generator reads (`Instrumentation`).
 */
export async function startApp(cfg: Config): Promise<App> {
  // The first PubSub starts here, so that a start-up error (Redis unreachable, node name taken) rejects
  // startApp at once; the first owner adopts it, and restarts make new ones.
  const pubsubs = new SupervisedObject<PubSub>(
    PUBSUB_OWNER,
    () => startPubSub(cfg),
    (ps) => {
      stopNodeViewers(ps);
      return ps.stop();
    },
    await startPubSub(cfg),
  );
  // One logger for the node, whichever endpoint is serving.
  const logger = createLogger();
  const lock: DeployLock =
    cfg.pubsub === "redis"
      ? redisLock(lockConnection(cfg.redisUrl, logger), cfg.redisPrefix)
      : inWorker()
        ? workersLock(parentChannel())
        : localLock();
  const instruments = new Instrumentation(cfg.node, logger, cfg.stats);
  const bus = pubsubBus({
    node: cfg.node,
    pubsubs,
    logger,
    onBroadcast: instruments.mark,
    reject: (what, why) => instruments.dropped.drop(what, why),
  });
  const view = githubDeployView(bus);
  const socket = deploySocket(bus);
  const endpoints: SupervisedObject<Endpoint> = new SupervisedObject<Endpoint>(
    ENDPOINT_OWNER,
    async (): Promise<Endpoint> =>
      createEndpoint({
        routes: [
          { name: "deploy", routes: { "/": view } },
          ...dashboardRoutes(
            cfg.stats,
            await pubsubs.ready(),
            (): number => endpoints.current?.connections ?? 0,
          ),
        ],
        pubsub: await pubsubs.ready(),
        secret: cfg.secret,
        trustProxy: cfg.trustProxy,
        title: "Deploy to GitHub",
        layout,
        logger,
        // Pages reload when `npm run dev` restarts the node on a code change.
        liveReload: environment() === "development",
        // The same deploy for clients that are not live views (phoenix.js, `deployments` channel).
        sockets: { "/socket": socket },
      }),
    (ep) => ep.close(2000),
  );
  const github = new GitHubClient({ stepMs: cfg.stepMs, failStep: cfg.failStep });

  const supervision = await superviseNode({
    pubsubs,
    tracker: { bus, lock, github, stepMs: cfg.stepMs },
    endpoints,
  });
  const front = await listenHttpFront({
    port: cfg.port,
    endpoint: () => endpoints.current,
    own: (req, res) => instruments.serve(req, res, { endpoint: endpoints.current, pubsub: pubsubs.current }),
  });

  let stopping: Promise<void> | null = null;
  return {
    get endpoint() {
      return endpoints.current;
    },
    get pubsub() {
      return pubsubs.current;
    },
    supervisor: supervision.supervisor,
    port: front.port,
    failed: supervision.failed,
    stop: () =>
      (stopping ??= (async () => {
        await supervision.stop();
        await lock.close();
        await front.close();
      })()),
  };
}

/**
 * A PubSub for the node: shared with other nodes through Redis (`PUBSUB=redis`, workers or not), with the
 * other workers of this machine through the primary (`WORKERS` without Redis), or this process's alone.
 */
function startPubSub(cfg: Config): Promise<PubSub> {
  return PubSub.start({
    name: "deploy-demo",
    node: cfg.node,
    adapter:
      cfg.pubsub === "redis"
        ? redis({ url: cfg.redisUrl, prefix: cfg.redisPrefix, clusterKey: cfg.clusterKey })
        : inWorker()
          ? workers()
          : undefined,
  });
}

/** This process is one of the workers of `WORKERS` (started by the primary in `main.ts`). */
function inWorker(): boolean {
  return workerIndex() !== null;
}
