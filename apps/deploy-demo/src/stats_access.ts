import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The paths that show the node's internals (memory, GC, the deploy tracker's state) to a load generator. */
export const STATS_PATHS = ["/stats.json", "/gc.json", "/deployment.json"] as const;
export type StatsPath = (typeof STATS_PATHS)[number];

/**
 * Who may read the stats paths: `open` (development and test: anyone), `token` (only a request presenting
 * the token), `off` (production without `STATS_TOKEN`: nobody; they answer 404 as any unknown path).
 */
export type StatsAccess =
  | { readonly kind: "open" }
  | { readonly kind: "off" }
  | { readonly kind: "token"; readonly digest: Buffer };

/** Shortest `STATS_TOKEN` accepted: anything shorter could be guessed. */
const MIN_TOKEN = 16;

/**
 * The access rule from the environment: with `STATS_TOKEN` set, the token is required (in any environment);
 * without it the stats are open in development and test and off in production.
 */
export function statsAccess(env: NodeJS.ProcessEnv): StatsAccess {
  const token = env.STATS_TOKEN;
  if (token !== undefined && token !== "") {
    if (token.length < MIN_TOKEN)
      throw new Error(
        `STATS_TOKEN must be at least ${MIN_TOKEN} characters (make one with \`openssl rand -hex 24\`), got ${token.length}`,
      );
    return { kind: "token", digest: digest(token) };
  }
  return env.NODE_ENV === "production" ? { kind: "off" } : { kind: "open" };
}

/**
 * The stats path `req` asks for, if it may: the token comes as `Authorization: Bearer <token>` or
 * `?token=<token>`, and is compared in constant time. Null for any other request, and for a refused one.
 */
export function statsRequest(req: IncomingMessage, access: StatsAccess): StatsPath | null {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (!(STATS_PATHS as readonly string[]).includes(path)) return null;
  return mayLook(req, access) ? (path as StatsPath) : null;
}

/**
 * Whether `req` may see the node's internals (the stats paths, the dashboard): always when access is open,
 * never when off, else when it presents the token as `Authorization: Bearer <token>` or `?token=<token>`,
 * compared in constant time.
 */
export function mayLook(req: IncomingMessage, access: StatsAccess): boolean {
  if (access.kind !== "token") return access.kind === "open";
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const auth = req.headers.authorization;
  const presented = auth?.startsWith("Bearer ")
    ? auth.slice(7).trim()
    : q < 0
      ? null
      : new URLSearchParams(url.slice(q + 1)).get("token");
  if (presented === null || presented === "") return false;
  return timingSafeEqual(digest(presented), access.digest);
}

// Digests have one length whatever was presented, so the comparison takes the same time for any guess.
function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
