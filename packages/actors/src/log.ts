import { describeValue } from "./describe.js";

/** Log levels, most severe first (the names of Elixir's Logger). */
export type LogLevel = "error" | "warn" | "info" | "debug";

/**
 * Where a runtime, a PubSub and a LiveView endpoint write what they have to say: one logger may serve all
 * three. Make one with `consoleLogger` (or `createLogger` from `@cinder/liveview`, which can write elsewhere).
 */
export interface Logger {
  /** The lowest level written. */
  readonly level: LogLevel;
  /** True when a line at `level` would be written; lets callers skip building expensive messages. */
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string): void;
}

/** A bare function, which a runtime and a PubSub also take as their logger (it gets every level). */
export type LogFunction = (level: LogLevel, message: string) => void;

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The level named by `LOG_LEVEL` (any case; default `info`, also for an unknown name). */
export function envLogLevel(): LogLevel {
  const v = process.env.LOG_LEVEL?.toLowerCase();
  return v === "error" || v === "warn" || v === "info" || v === "debug" ? v : "info";
}

/** True when `level` is as severe as `threshold` or more (so a logger at `threshold` writes it). */
function levelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return rank[level] <= rank[threshold];
}

/**
 * A logger writing `[level] message` lines to stderr, dropping levels below `level` (default: `LOG_LEVEL`).
 * It is also callable as a `LogFunction`.
 */
export function consoleLogger(level: LogLevel = envLogLevel()): Logger & LogFunction {
  const log: LogFunction = (l, message) => {
    if (levelEnabled(level, l)) process.stderr.write(`[${l}] ${message}\n`);
  };
  return Object.assign(log, { level, enabled: (l: LogLevel) => levelEnabled(level, l), log });
}

/**
 * `logger` as a `Logger`: a `LogFunction` becomes one that writes every level through it. Anything else is a
 * TypeError naming `where`.
 */
export function toLogger(logger: Logger | LogFunction, where: string): Logger {
  const l = logger as Partial<Logger> | null;
  if (typeof l === "object" || typeof l === "function") {
    if (l !== null && typeof l.log === "function" && typeof l.enabled === "function") return l as Logger;
    if (typeof l === "function") return { level: "debug", enabled: () => true, log: l as LogFunction };
  }
  throw new TypeError(
    `${where}: logger must be a Logger ({ level, enabled, log }) or a function (level, message), got ${describeValue(logger)}`,
  );
}
