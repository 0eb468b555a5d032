/**
 * The server under test: the deploy demo (`apps/deploy-demo/dist/main.js`, DEPLOY_STEP_MS small,
 * LOG_LEVEL=warn), alone in its own process, with the open-file limit raised to the hard limit; or, with
 * `--url`, a server already running elsewhere.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Target } from "./client/http.js";
import type { LoadOptions } from "./options.js";
import { benchDist, root } from "./paths.js";
import { peerScript } from "./peer.js";
import { nodeCommand, SERVER_CPUS } from "./processes.js";

export interface ServerHandle {
  target: Target;
  pid: number | null;
  fdLimit: number | null;
  /** warn/error lines it wrote to stderr (first 200). */
  log: string[];
  exited: () => boolean;
  signal(sig: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/**
 * What the harness presents to the demo's stats paths: `STATS_TOKEN` if set, else a random one that it also
 * gives the server it starts (which runs as production, and so serves those paths only with a token).
 */
const statsToken = process.env.STATS_TOKEN || randomBytes(24).toString("hex");

/** A server this harness did not start (`--url http://host:port`): nothing to watch, nothing to stop. */
export function remoteServer(url: string): ServerHandle {
  const u = new URL(url);
  return {
    target: { host: u.hostname, port: Number(u.port), statsToken: process.env.STATS_TOKEN },
    pid: null,
    fdLimit: null,
    log: [],
    exited: () => false,
    signal: () => {},
    stop: async () => {},
  };
}

/**
 * Starts the demo in its own process; resolves once it listens. With `profileOut`, it runs under
 * `load-server.js`, which profiles between two SIGUSR2s and writes the profile there; with `snapshotDir`,
 * under `view-memory-server.js`, which writes a heap snapshot there on each SIGUSR2.
 */
export async function startServer(
  opts: LoadOptions,
  profileOut: string | null,
  snapshotDir: string | null = null,
): Promise<ServerHandle> {
  const peer = opts.peer ?? null;
  if (peer !== null && (profileOut !== null || snapshotDir !== null || opts.serverWorkers > 1))
    throw new Error(`--peer ${peer}: profiles, snapshots and --server-workers apply to Cinder's demo only`);
  const script =
    peer !== null
      ? peerScript(peer)
      : profileOut !== null
        ? join(benchDist, "load-server.js")
        : snapshotDir !== null
          ? join(benchDist, "view-memory-server.js")
          : join(root, "apps", "deploy-demo", "dist", "main.js");
  const pinServer = opts.pin && opts.serverWorkers <= 1;
  const child = spawn("sh", nodeCommand(script, pinServer ? SERVER_CPUS : null), {
    env: {
      ...process.env,
      // Measured as it would run: production (no development checks), with the secrets production needs.
      NODE_ENV: "production",
      SECRET_KEY_BASE: process.env.SECRET_KEY_BASE || randomBytes(48).toString("base64"),
      STATS_TOKEN: statsToken,
      PORT: "0",
      DEPLOY_STEP_MS: String(opts.stepMs),
      LOG_LEVEL: "warn",
      PUBSUB: "local",
      ...(opts.serverWorkers > 1 ? { WORKERS: String(opts.serverWorkers) } : {}),
      CINDER_PROFILE_OUT: profileOut ?? "",
      CINDER_SNAPSHOT_DIR: snapshotDir ?? "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  let exited = false;
  let exitInfo = "";
  const exitP = new Promise<void>((resolve) =>
    child.on("exit", (code, sig) => {
      exited = true;
      exitInfo = `code ${code} signal ${sig}`;
      resolve();
    }),
  );
  let buffered = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buffered}`)), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const m = /on http:\/\/localhost:(\d+)/.exec(buffered);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", () => reject(new Error(`server exited (${exitInfo}): ${buffered}`)));
  });
  child.stderr.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n")) if (line.trim() !== "" && log.length < 200) log.push(line);
  });
  return {
    target: { host: "127.0.0.1", port, statsToken },
    pid: child.pid ?? null,
    fdLimit: child.pid === undefined ? null : openFileLimit(child.pid),
    log,
    exited: () => exited,
    signal: (sig) => child.kill(sig),
    stop: async () => {
      if (exited) return;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exitP;
      clearTimeout(t);
    },
  };
}

/** The open-file limit a process runs with (Linux /proc), or null where that cannot be read. */
function openFileLimit(pid: number): number | null {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
