import { parseWorkerCount, workerNode } from "@cinder/pubsub";
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
  /**
   * `NODE_NAME`, default `a`; must be unique among nodes sharing a Redis. In a worker (`WORKERS`), this and the
   * worker's index (`a-0`, `a-1`, ...).
   */
  node: string;
  /**
   * `WORKERS`: `auto` (one per CPU) or a count: the app runs on that many worker processes sharing `PORT`
   * (`node:cluster`), their PubSub joined through the primary (or through Redis with `PUBSUB=redis`). Unset:
   * one process.
   */
  workers: number | null;
  /** `DEPLOY_STEP_MS`, default 800: how long each simulated GitHub step takes. */
  stepMs: number;
  /** `DEPLOY_FAIL_STEP`: a step that fails (e.g. `create-repo`), to see failures reach every viewer. */
  failStep: string | undefined;
  /**
   * `SECRET_KEY_BASE`: signs session, flash and CSRF tokens; nodes behind one load balancer must share it.
   * Required in production; elsewhere a fixed development secret stands in, with a warning.
   */
  secret: string;
  /**
   * `TRUST_PROXY=1`: trust `X-Forwarded-Proto` from a reverse proxy in front (TLS ends there), for the
   * websocket's Origin check and `Secure` cookies. Only behind a proxy that sets or strips that header.
   */
  trustProxy: boolean;
  /**
   * `CLUSTER_KEY`: with Redis, signs every message between nodes (HMAC-SHA256) and drops those that do not
   * verify. Several keys separated by commas rotate without downtime: the first signs, any verifies.
   */
  clusterKey: string[] | undefined;
  /**
   * Who may read `/stats.json`, `/gc.json` and `/deployment.json`: with `STATS_TOKEN` (16+ characters) set,
   * requests presenting it; else anyone in development and test, nobody in production (`NODE_ENV`).
   */
  stats: StatsAccess;
}

/** How to make a secret, named in every message about it. */
const MAKE_SECRET = "make one with `openssl rand -base64 48` and give every node the same value";
/** The Signer's minimum length. */
const MIN_SECRET_LENGTH = 32;
// A fixed development secret, so that two local nodes accept each other's pages. Public, hence never
// accepted in production.
const DEVELOPMENT_SECRET = "cinder-deploy-demo-development-secret-change-me-in-production";

/**
 * Reads the config, refusing values that make no sense with a message saying which. `warn` gets the
 * one line printed when development runs on the development secret.
 */
export function readConfig(
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (line) => console.warn(line),
): Config {
  const port = Number(env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const pubsub = env.PUBSUB ?? "local";
  if (pubsub !== "local" && pubsub !== "redis")
    throw new Error(`PUBSUB must be "local" or "redis", got ${pubsub}`);
  const stepMs = Number(env.DEPLOY_STEP_MS ?? 800);
  if (!(stepMs >= 0))
    throw new Error(`DEPLOY_STEP_MS must be a number of milliseconds, got ${env.DEPLOY_STEP_MS}`);
  const node = workerNode(env.NODE_NAME || "a", env);
  // It names the node in every message between nodes, whose guards refuse names past 100 characters.
  if (node.length > 100) throw new Error(`NODE_NAME must be at most 100 characters, got ${node.length}`);
  const workers = env.WORKERS === undefined || env.WORKERS === "" ? null : parseWorkerCount(env.WORKERS);
  return {
    port,
    pubsub,
    workers,
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: env.REDIS_PREFIX || "cinder",
    node,
    stepMs,
    failStep: env.DEPLOY_FAIL_STEP || undefined,
    secret: readSecret(env, warn),
    trustProxy: env.TRUST_PROXY === "1" || env.TRUST_PROXY === "true",
    clusterKey: clusterKeys(env.CLUSTER_KEY),
    stats: statsAccess(env),
  };
}

function readSecret(env: NodeJS.ProcessEnv, warn: (line: string) => void): string {
  const secret = env.SECRET_KEY_BASE;
  const production = env.NODE_ENV === "production";
  if (secret === undefined || secret === "") {
    if (production)
      throw new Error(
        `SECRET_KEY_BASE is not set, and NODE_ENV=production needs it (it signs session tokens): ${MAKE_SECRET}`,
      );
    if (env.NODE_ENV !== "test")
      warn(
        `[warn] SECRET_KEY_BASE is not set: using the public development secret (never in production; ${MAKE_SECRET})`,
      );
    return DEVELOPMENT_SECRET;
  }
  if (secret.length < MIN_SECRET_LENGTH)
    throw new Error(
      `SECRET_KEY_BASE must be at least ${MIN_SECRET_LENGTH} characters, got ${secret.length}: ${MAKE_SECRET}`,
    );
  if (production && secret === DEVELOPMENT_SECRET)
    throw new Error(
      `SECRET_KEY_BASE is the public development secret, refused with NODE_ENV=production: ${MAKE_SECRET}`,
    );
  return secret;
}

function clusterKeys(value: string | undefined): string[] | undefined {
  if (value === undefined || value === "") return undefined;
  const keys = value.split(",").map((k) => k.trim());
  if (keys.some((k) => k.length < 16)) {
    throw new Error(
      "CLUSTER_KEY must be one or more keys of at least 16 characters, separated by commas (openssl rand -base64 32)",
    );
  }
  return keys;
}
