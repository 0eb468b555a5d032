import { type StatsAccess, statsAccess } from "./stats_access.js";

/** The demo's settings, read from the environment (all optional). */
export interface Config {
  /** `PORT`, default 4000. */
  port: number;
  /** `PUBSUB`: `local` (default, nothing to run) or `redis`. */
  pubsub: "local" | "redis";
  /** `REDIS_URL`, default `redis://127.0.0.1:6379` (used when `PUBSUB=redis`). */
  redisUrl: string;
  /**
   * `REDIS_PREFIX`, default `cinder`: the first part of every Redis channel and key the demo uses (PubSub and
   * the deploy lock). Nodes that should see each other share it; a test run uses its own to stay apart.
   */
  redisPrefix: string;
  /** `NODE_NAME`, default `a`; must be unique among nodes sharing a Redis. */
  node: string;
  /** `DEPLOY_STEP_MS`, default 800: how long each simulated GitHub step takes. */
  stepMs: number;
  /** `DEPLOY_FAIL_STEP`: a step that fails (e.g. `create-repo`), to see failures reach every viewer. */
  failStep: string | undefined;
  /** `SECRET_KEY_BASE`: signs session tokens; nodes behind one load balancer must share it. */
  secret: string;
  /**
   * Who may read `/stats.json`, `/gc.json` and `/deployment.json`: with `STATS_TOKEN` (16+ characters) set,
   * requests presenting it; else anyone in development and test, nobody in production (`NODE_ENV`).
   */
  stats: StatsAccess;
}

/** Reads the config, refusing values that make no sense with a message saying which. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const pubsub = env.PUBSUB ?? "local";
  if (pubsub !== "local" && pubsub !== "redis")
    throw new Error(`PUBSUB must be "local" or "redis", got ${pubsub}`);
  const stepMs = Number(env.DEPLOY_STEP_MS ?? 800);
  if (!(stepMs >= 0))
    throw new Error(`DEPLOY_STEP_MS must be a number of milliseconds, got ${env.DEPLOY_STEP_MS}`);
  return {
    port,
    pubsub,
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: env.REDIS_PREFIX || "cinder",
    node: env.NODE_NAME || "a",
    stepMs,
    failStep: env.DEPLOY_FAIL_STEP || undefined,
    // A fixed development secret, so that two local nodes accept each other's pages; set your own in production.
    secret: env.SECRET_KEY_BASE ?? "cinder-deploy-demo-development-secret-change-me-in-production",
    stats: statsAccess(env),
  };
}
