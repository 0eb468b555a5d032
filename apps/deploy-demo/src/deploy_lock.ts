import type { Logger } from "@cinder/liveview";
import { Redis } from "ioredis";

/**
 * At most one deploy at a time, across every node. On one node an in-memory flag does it; with Redis, a key
 * set with NX and an expiry does it across nodes (and frees itself if the node holding it dies).
 */
export interface DeployLock {
  /** Takes the lock for `owner` for `ttlMs`; false if someone else holds it. */
  acquire(owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock while the deploy runs; false if `owner` lost it. */
  refresh(owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lock if `owner` holds it. */
  release(owner: string): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}

/** The single-node lock: an owner string or nothing. */
export function localLock(): DeployLock {
  let holder: string | null = null;
  let until = 0;
  const free = () => holder === null || Date.now() > until;
  return {
    async acquire(owner, ttlMs) {
      if (!free()) return false;
      holder = owner;
      until = Date.now() + ttlMs;
      return true;
    },
    async refresh(owner, ttlMs) {
      if (holder !== owner) return false;
      until = Date.now() + ttlMs;
      return true;
    },
    async release(owner) {
      if (holder === owner) holder = null;
    },
    async close() {},
  };
}

// Compare-and-act scripts, so a node never extends or deletes a lock another node took after expiry.
const REFRESH = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** The cluster-wide lock on the Redis key `{prefix}:deploy-demo:lock`. */
export function redisLock(redis: Redis, prefix = "cinder"): DeployLock {
  const KEY = `${prefix}:deploy-demo:lock`;
  return {
    async acquire(owner, ttlMs) {
      return (await redis.set(KEY, owner, "PX", ttlMs, "NX")) === "OK";
    },
    async refresh(owner, ttlMs) {
      return (await redis.eval(REFRESH, 1, KEY, owner, String(ttlMs))) === 1;
    },
    async release(owner) {
      await redis.eval(RELEASE, 1, KEY, owner);
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * The deploy lock's own Redis connection. Without an `error` listener ioredis prints "Unhandled error event"
 * with a stack for every reconnect attempt while Redis is down (several a second): the outage is logged once
 * here instead, and the return. Meanwhile a click answers that the deploy could not start.
 */
export function lockConnection(url: string, logger: Logger): Redis {
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
