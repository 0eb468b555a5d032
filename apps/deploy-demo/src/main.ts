// `npm start`: one node of the deploy demo, or with `WORKERS` one per worker process. See
// apps/deploy-demo/README.md for two nodes over Redis.
import cluster from "node:cluster";
import { startApp } from "./app.js";
import { type Config, readConfig } from "./config.js";
import { runPrimary } from "./primary.js";

let cfg: Config;
try {
  // The primary already warned about the settings every worker shares.
  cfg = readConfig(process.env, cluster.isWorker ? () => {} : undefined);
} catch (err) {
  // A setting that makes no sense: say which and how to fix it, without a stack, and exit non-zero.
  console.error(`[error] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
if (cfg.workers !== null && cluster.isPrimary) {
  await runPrimary({ ...cfg, workers: cfg.workers });
} else {
  await runNode(cfg);
}

async function runNode(cfg: Config): Promise<void> {
  const app = await startApp(cfg);
  if (cluster.isWorker) {
    // The primary prints the address once every worker listens.
    console.log(`Cinder deploy demo: worker ${cfg.node} ready (pid ${process.pid})`);
  } else {
    console.log(
      `Cinder deploy demo: node ${cfg.node} on http://localhost:${app.port} (PubSub: ${cfg.pubsub}, step ${cfg.stepMs} ms)`,
    );
  }

  let exiting = false;

  // The supervisor gave up (its children kept dying): nothing serves any more, so say why and exit non-zero
  // for whatever runs this node (systemd, Kubernetes, a terminal) to notice, never hang half-alive.
  app.failed.then((reason) => {
    if (exiting) return;
    exiting = true;
    console.error(
      `[error] FATAL: the deploy demo's supervisor reached its restart intensity and stopped (${String(reason)}); exiting with code 1`,
    );
    setTimeout(() => process.exit(1), 3000); // a stop that hangs must not keep the process alive
    app.stop().finally(() => process.exit(1));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      console.log(`\n${signal}: stopping`);
      app.stop().then(
        () => process.exit(0),
        (err) => {
          console.error(err);
          process.exit(1);
        },
      );
    });
  }
}
