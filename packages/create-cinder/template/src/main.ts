import { startApp } from "./app.js";

const secret =
  process.env.SECRET_KEY_BASE ?? (process.env.NODE_ENV === "production" ? undefined : DEV_SECRET());
if (secret === undefined) {
  console.error("SECRET_KEY_BASE must be set in production (make one: openssl rand -base64 48)");
  process.exit(1);
}
const app = await startApp({ secret, port: Number(process.env.PORT ?? 4000), node: process.env.NODE_NAME });
console.log(`__APP_TITLE__ on http://localhost:${app.port}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}

/** A fixed secret for development only: pages stay valid across the dev loop's restarts. */
function DEV_SECRET(): string {
  return "__APP_NAME__ development secret: never use it in production";
}
