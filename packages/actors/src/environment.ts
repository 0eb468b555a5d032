/**
 * Which of the three environments this process runs in, read from `NODE_ENV` at each call:
 * `"production"` when it is `production`, `"test"` when it is `test` (vitest and most test runners set
 * it), `"development"` for anything else, including unset. Development and test get the strict checks
 * (deep-frozen assigns, payloads checked by the codec on one node, crash pages); production gets none.
 */
export type Environment = "production" | "test" | "development";

/** The current {@link Environment}. */
export function environment(): Environment {
  const env = process.env.NODE_ENV;
  return env === "production" ? "production" : env === "test" ? "test" : "development";
}

/** True outside production: whether the checks that cost time but catch mistakes early are on. */
export function strictChecks(): boolean {
  return environment() !== "production";
}
