import type { Logger, LogLevel } from "./logger.js";

/** At most `lines` log lines per `intervalMs` from one source; see {@link LogLimiter}. */
export interface LogRate {
  readonly lines: number;
  readonly intervalMs: number;
}

/** The default {@link LogRate}: 20 lines per 10 s from one connection (or one kind of rejected request). */
export const DEFAULT_LOG_RATE: LogRate = { lines: 20, intervalMs: 10_000 };

/**
 * Log lines caused by one source a client controls (one websocket; the endpoint's 404s; its refused
 * handshakes), rate-limited so that a client cannot fill a disk through our logs: the first `lines` of an
 * interval are written, the rest are counted, and once the interval is over one summary line says how many
 * were suppressed. The timer behind the summary exists only while lines are being suppressed.
 */
export class LogLimiter {
  #written = 0;
  #suppressed = 0;
  #since = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly logger: Logger,
    readonly rate: LogRate,
    /** Names the source in the summary line ("this websocket", "404 responses"). */
    readonly source: string,
  ) {}

  /** Writes `message` at `level`, unless this source has used up its lines for the interval. */
  log(level: LogLevel, message: string): void {
    if (!this.logger.enabled(level)) return;
    const now = Date.now();
    if (now - this.#since >= this.rate.intervalMs) this.flush(now);
    if (this.#written < this.rate.lines) {
      this.#written++;
      this.logger.log(level, message);
      return;
    }
    this.#suppressed++;
    this.#timer ??= setTimeout(
      () => this.flush(Date.now()),
      this.#since + this.rate.intervalMs - now,
    ).unref();
  }

  /** Writes the summary line, if lines were suppressed, and starts a new interval. */
  flush(now = Date.now()): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#suppressed > 0) {
      const secs = Math.max(1, Math.round((now - this.#since) / 1000));
      this.logger.log(
        "warn",
        `${this.#suppressed} more log lines from ${this.source} suppressed in the last ${secs} s`,
      );
    }
    this.#suppressed = 0;
    this.#written = 0;
    this.#since = now;
  }
}
