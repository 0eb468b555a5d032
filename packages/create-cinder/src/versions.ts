/**
 * The tools a generated app develops with, pinned to the versions this repository tests with (a test checks
 * that they match the root package.json), so that `npm install` in a new app finds their files in npm's cache.
 */
export const DEV_TOOLS: Readonly<Record<string, string>> = {
  "@types/node": "^20.19.0",
  tsx: "4.23.15",
  typescript: "5.9.3",
  vitest: "4.1.12",
};

/** The Node.js versions Cinder runs on. */
export const ENGINES = "^20.19.0 || >=22.12.0";
