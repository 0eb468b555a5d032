import { consoleLogger } from "@cinder/actors";
import { DropCounter, startWorkers } from "@cinder/pubsub";
import type { Config } from "./config.js";
import { localLock } from "./deploy_lock.js";
import { serveLock } from "./workers_lock.js";

/**
 * The primary of `WORKERS=N`: forks the workers (each runs `main.ts` again and starts a node named
 * `NODE_NAME-<index>`), restarts those that die, relays their PubSub broadcasts, and holds the deploy lock
 * they share when there is no Redis. It serves no request itself.
 */
export async function runPrimary(cfg: Config & { workers: number }): Promise<void> {
  const logger = consoleLogger();
  const lock = localLock();
  const drops = new DropCounter((line) => logger.log("warn", `primary: ${line}`));
  const workers = startWorkers({
    count: cfg.workers,
    logger,
    onWorker: (channel) => (cfg.pubsub === "redis" ? undefined : serveLock(channel, lock, drops)),
  });
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => process.exit(code), 15_000).unref();
    workers.stop().finally(() => process.exit(code));
  };
  workers.failed.then((reason) => {
    console.error(`[error] FATAL: ${reason}; exiting with code 1`);
    exit(1);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.log(`\n${signal}: stopping the workers`);
      exit(0);
    });
  }
  const port = await workers.listening;
  const last = `${cfg.node}-${workers.count - 1}`;
  console.log(
    `Cinder deploy demo: node ${cfg.node} on http://localhost:${port} (${workers.count} workers, ${cfg.node}-0 ` +
      `to ${last}; PubSub: ${cfg.pubsub === "redis" ? "redis" : "workers"}, step ${cfg.stepMs} ms)`,
  );
}
