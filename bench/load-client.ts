/**
 * A load generator process: a {@link Pool} of fake browsers (`load/client/`) driven by the coordinator
 * (`load.ts` forks several) over IPC. Each browser does what the official client does for the deploy page,
 * and nothing more: GET the page, read the CSRF token, the signed session and static from it, open
 * `/live/websocket` with the cookie and an Origin, `phx_join` the view, answer nothing but heartbeats, and
 * time-stamp every frame it receives (`performance.timeOrigin + performance.now()`, comparable with the
 * server's own stamps) before any parsing.
 *
 * With `--workers 0` the coordinator runs one pool in its own process instead.
 */
import { Pool } from "./load/client/pool.js";
import type { PoolCommand, PoolConfig, PoolEvent } from "./load/client/pool-protocol.js";

if (process.send !== undefined && process.env.CINDER_LOAD_WORKER === "1") {
  const cfg = JSON.parse(process.env.CINDER_LOAD_CONFIG ?? "{}") as PoolConfig;
  const send = process.send.bind(process);
  const pool = new Pool(cfg, (e) => send(e));
  process.on("message", (cmd: PoolCommand) => {
    pool.handle(cmd);
    if (cmd.type === "close") setTimeout(() => process.exit(0), 700).unref();
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", worker: cfg.worker } satisfies PoolEvent);
}
