import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources, so no build is needed between an edit and a test run. The
// published packages carry only `dist/`: the mapping lives here (and in tsconfig.test.json's `paths`),
// never in a package's `exports`, where it would point installed copies at files they do not ship.
export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@cinder\/liveview\/testing$/,
        replacement: source("./packages/liveview/src/testing/index.ts"),
      },
      { find: /^@cinder\/liveview\/internal$/, replacement: source("./packages/liveview/src/internal.ts") },
      {
        find: /^@cinder\/(actors|pubsub|liveview|dashboard)$/,
        replacement: source("./packages/$1/src/index.ts"),
      },
    ],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The liveview property tests drive the official client's rendered.js, shipped as untranspiled
    // TS/ESM with extensionless imports; only Vite's transform can load it.
    server: { deps: { inline: ["phoenix_live_view"] } },
  },
});
