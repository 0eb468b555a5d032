import { envLogLevel, type Logger, type LogLevel } from "@cinder/actors";

// The Logger type and the LOG_LEVEL parser are @cinder/actors' own, so one logger serves a runtime, a PubSub
// and an endpoint. Lines are in Phoenix's voice (`[info] GET /`, `[info] Sent 200 in 3ms`, `[info] CONNECTED
// TO ...`), so that someone who has read a Phoenix log reads this one without a glossary.
export type { Logger, LogLevel };

const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (default: `LOG_LEVEL`, else `info`). */
  level?: LogLevel;
  /** Where finished lines go (default: stderr). Tests pass a function that collects them. */
  write?: (line: string) => void;
}

/** A logger writing `[level] message` lines, dropping levels below its own. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? envLogLevel();
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const max = rank[level];
  return {
    level,
    enabled: (l) => rank[l] <= max,
    log(l, message) {
      if (rank[l] <= max) write(`[${l}] ${message}`);
    },
  };
}

/** Phoenix's duration format: microseconds under a millisecond, else whole milliseconds. */
export function formatDuration(startNs: bigint): string {
  const us = Number((process.hrtime.bigint() - startNs) / 1000n);
  return us < 1000 ? `${us}µs` : `${Math.round(us / 1000)}ms`;
}

// Parameters that must never reach a log file, as Phoenix's `filter_parameters` does by default.
const SECRET = /password|secret|token|csrf/i;

/**
 * Parameters as a log line shows them: JSON with secrets replaced by "[FILTERED]", cut at 2 KB so a
 * hostile client cannot fill the disk through our logs.
 */
export function inspectParams(value: unknown): string {
  let out: string;
  try {
    out = JSON.stringify(value, (key, v) => (key !== "" && SECRET.test(key) ? "[FILTERED]" : v)) ?? "null";
  } catch {
    out = String(value);
  }
  return out.length > 2048 ? `${out.slice(0, 2048)}…` : out;
}

/**
 * A copy of `value` with every property whose name looks secret (password, secret, token, csrf) replaced
 * by "[FILTERED]", as {@link inspectParams} shows it: for telemetry payloads, which leave our hands.
 */
export function filterParams(value: unknown, depth = 0): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > 32) return "[TOO DEEP]";
  if (Array.isArray(value)) return value.map((v) => filterParams(v, depth + 1));
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value))
    out[key] = SECRET.test(key)
      ? "[FILTERED]"
      : filterParams((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

/** How many characters of a client's value (event name, topic, path, header) a log line echoes. */
export const CLIP = 100;

/**
 * A value a client sent, as a log line echoes it: at most {@link CLIP} characters, then a marker saying how
 * many more there were, so that a megabyte event name costs a log line of ~130 characters, not a megabyte.
 */
export function clip(value: unknown, max = CLIP): string {
  const s = typeof value === "string" ? value : String(value);
  return s.length <= max ? s : `${s.slice(0, max)}…[${s.length - max} more characters]`;
}

/** {@link clip}, then JSON-quoted: control characters and quotes in a client's value cannot forge a line. */
export function quote(value: unknown): string {
  return JSON.stringify(clip(value));
}
