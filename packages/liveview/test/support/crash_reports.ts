import { createRuntime, type Runtime } from "@cinder/actors";
import { createLogger, type Logger } from "../../src/index.js";

/**
 * A runtime and an endpoint logger whose lines (a crash's report and stack among them) are kept in `reports`
 * instead of stderr: a test that crashes a view on purpose checks the report there, and the test output
 * stays free of stacks that are no failure.
 */
export function crashReports(): { runtime: Runtime; logger: Logger; reports: string[] } {
  const reports: string[] = [];
  const runtime = createRuntime({ logger: (level, msg) => reports.push(`[${level}] ${msg}`) });
  const logger = createLogger({ level: "error", write: (line) => reports.push(line) });
  return { runtime, logger, reports };
}
