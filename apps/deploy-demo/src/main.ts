// `npm start`: one node of the deploy demo. See apps/deploy-demo/README.md for two nodes over Redis.
import { startApp } from "./app.js";
import { readConfig } from "./config.js";

const cfg = readConfig();
const app = await startApp(cfg);
console.log(
  `Cinder deploy demo: node ${cfg.node} on http://localhost:${app.port} (PubSub: ${cfg.pubsub}, step ${cfg.stepMs} ms)`,
);

let exiting = false;
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
