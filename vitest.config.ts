import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources: the "source" export condition in each package.json points
// at src/index.ts, so no build is needed between an edit and a test run.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
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
