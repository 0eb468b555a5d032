/**
 * Redis for tests. Tests that need a real Redis call `redisAvailable()` at the top of the file and wrap their
 * suites in `describe.skipIf(!ok)`: when nothing answers at `REDIS_URL` (default `redis://127.0.0.1:6379`),
 * the run fails under `CI=true` (CI must never skip them: `.ci/run` starts a Redis) and is skipped elsewhere,
 * with the reason printed. `startRedisServer()` runs a throwaway `redis-server` on a free loopback port, for
 * tests that kill and restart it.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const IN_CI = process.env.CI === "true";

/** Resolves null when Redis answers PING at `url` within `timeoutMs`, else the reason it did not. */
export async function pingRedis(url = REDIS_URL, timeoutMs = 1000): Promise<string | null> {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  r.on("error", () => {});
  try {
    await r.connect();
    const pong = await r.ping();
    return pong === "PONG" ? null : `PING answered ${JSON.stringify(pong)}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    r.disconnect();
  }
}

/** Applies the policy: fine -> true; missing -> throw under CI=true, else print why and return false. */
function policy(what: string, reason: string | null): boolean {
  if (reason === null) return true;
  const msg = `${what}: ${reason}`;
  if (IN_CI) throw new Error(`${msg} (CI=true: Redis tests never skip; .ci/run should have started one)`);
  console.warn(`skipping ${msg}`);
  return false;
}

/** True when Redis answers at `REDIS_URL`; see the file's comment for what happens when it does not. */
export async function redisAvailable(what = "Redis tests"): Promise<boolean> {
  const reason = await pingRedis();
  return policy(what, reason === null ? null : `no Redis answers at ${REDIS_URL} (${reason})`);
}

/** True when the `redis-server` binary can run; same policy as `redisAvailable`. */
export function redisServerAvailable(what = "tests that run their own redis-server"): boolean {
  let reason: string | null = null;
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
  } catch {
    reason = "the redis-server binary is not installed (apt-get install redis-server)";
  }
  return policy(what, reason);
}

/** A loopback port nobody listens on (now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server (no persistence) on a free loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills it with SIGKILL (a crash: no goodbye to clients), resolving when it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, resolving when it answers. */
  start(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    port,
    url,
    async start() {
      const c = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: "ignore",
        },
      );
      child = c;
      for (let i = 0; i < 100; i++) {
        if ((await pingRedis(url, 200)) === null) return;
        if (c.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async kill() {
      const c = child;
      child = null;
      if (c === null || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await gone;
    },
  };
  await server.start();
  return server;
}
