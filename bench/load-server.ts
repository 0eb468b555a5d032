/**
 * The deploy demo's `main.js`, unchanged, plus a profiler the load harness switches on and off with
 * SIGUSR2 (`bench:load -- --profile`): the first signal starts V8's sampling profiler, the second writes
 * the profile to `$CINDER_PROFILE_OUT`. This profiles the deploy's fan-out alone, not the connect phase
 * that `node --cpu-prof` would mix into it.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

const out = process.env.CINDER_PROFILE_OUT ?? "server.cpuprofile";
const session = new Session();
session.connect();
let running = false;
let busy = Promise.resolve();

process.on("SIGUSR2", () => {
  busy = busy
    .then(async () => {
      if (!running) {
        await session.post("Profiler.enable");
        await session.post("Profiler.setSamplingInterval", { interval: 250 });
        await session.post("Profiler.start");
        running = true;
        console.log("profiler started");
      } else {
        const { profile } = await session.post("Profiler.stop");
        writeFileSync(out, JSON.stringify(profile));
        running = false;
        console.log(`profile written to ${out}`);
      }
    })
    .catch((err) => console.error(`profiler: ${err}`));
});

await import(
  process.env.CINDER_SERVER_MAIN ?? new URL("../../apps/deploy-demo/dist/main.js", import.meta.url).href
);
