import { tmpdir } from "node:os";
import { join } from "node:path";

/** The chat node's settings, from the environment. */
export interface ChatConfig {
  /** `PORT`, default 4100 (0: any free port). */
  readonly port: number;
  /** `PUBSUB`: `local` (one node, the default) or `redis` (many nodes sharing `REDIS_URL`). */
  readonly pubsub: "local" | "redis";
  readonly redisUrl: string;
  /** `REDIS_PREFIX` (default `cinder`): nodes sharing it (and the Redis) are one cluster. */
  readonly redisPrefix: string;
  /** `NODE_NAME`, default `chat-a`; unique among the nodes sharing a Redis. */
  readonly node: string;
  /** `SECRET_KEY_BASE`: signs pages and the login cookie; required in production, the same on every node. */
  readonly secret: string;
  /** `UPLOADS_DIR`: where images are kept; nodes that serve one room must share it (default: a temp folder). */
  readonly uploadsDir: string;
}

const DEV_SECRET = "the chat app's public development secret: never use it in production";

/** Reads and checks the settings; throws naming the variable that is wrong. */
export function readChatConfig(env: NodeJS.ProcessEnv): ChatConfig {
  const port = Number(env.PORT ?? 4100);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const pubsub = env.PUBSUB ?? "local";
  if (pubsub !== "local" && pubsub !== "redis")
    throw new Error(`PUBSUB must be local or redis, got ${pubsub}`);
  const node = env.NODE_NAME ?? "chat-a";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(node))
    throw new Error(`NODE_NAME must be 1-64 of [A-Za-z0-9_.-], got ${node}`);
  const secret = env.SECRET_KEY_BASE ?? (env.NODE_ENV === "production" ? "" : DEV_SECRET);
  if (secret.length < 32) throw new Error("SECRET_KEY_BASE must be set to 32+ characters in production");
  return {
    port,
    pubsub,
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: env.REDIS_PREFIX ?? "cinder",
    node,
    secret,
    uploadsDir: env.UPLOADS_DIR ?? join(tmpdir(), "cinder-chat-uploads"),
  };
}
