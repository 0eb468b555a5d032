/** Log levels, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug";

/** Where the runtime writes what it has to say (crashes, mostly). */
export type Logger = (level: LogLevel, message: string) => void;

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The level from `LOG_LEVEL` (default `info`). */
export function envLevel(): LogLevel {
  const v = process.env.LOG_LEVEL?.toLowerCase();
  return v === "error" || v === "warn" || v === "info" || v === "debug" ? v : "info";
}

/** A logger writing `[level] message` lines to stderr, dropping levels below `LOG_LEVEL`. */
export function consoleLogger(level: LogLevel = envLevel()): Logger {
  return (l, message) => {
    if (rank[l] <= rank[level]) process.stderr.write(`[${l}] ${message}\n`);
  };
}
