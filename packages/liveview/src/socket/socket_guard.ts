import { type Pid, send } from "@cinder/actors";
import { DEFAULT_LOG_RATE, LogLimiter, type LogRate } from "../log_limiter.js";
import type { Logger, LogLevel } from "../logger.js";

/**
 * A token bucket for the frames one websocket sends: it holds up to `burst` tokens, refills at `perSecond`,
 * and each frame but a heartbeat takes one.
 */
export interface EventRate {
  readonly burst: number;
  readonly perSecond: number;
}

/** More than `max` protocol errors within `windowMs` and the websocket is closed (1008). */
export interface ErrorBudget {
  readonly max: number;
  readonly windowMs: number;
}

/**
 * The default {@link EventRate}: bursts of 100 frames, 50 a second sustained. A person clicking and typing
 * sends a few a second; a hook streaming pointer moves, about 60 (raise it for such a view).
 */
export const DEFAULT_EVENT_RATE: EventRate = { burst: 100, perSecond: 50 };

/** The default {@link ErrorBudget}: 20 protocol errors per 10 s; the official client makes none. */
export const DEFAULT_ERROR_BUDGET: ErrorBudget = { max: 20, windowMs: 10_000 };

/** What bounds each websocket's frames, errors and log lines (part of the endpoint's context). */
export interface SocketLimits {
  readonly eventRate: EventRate;
  readonly errorBudget: ErrorBudget;
  readonly logRate: LogRate;
}

/** Told to a socket process whose error budget a view of it used up. */
export const OVER_BUDGET = Symbol("cinder.socket.over_budget");

/**
 * One websocket's defences against a client that costs the server: the event bucket, the error budget, and
 * the rate limit on the log lines it causes. Shared by the socket process and its views (through their
 * channels), all on the one thread, so plain fields do.
 */
export class SocketGuard {
  /** Made by the first line logged: most websockets never log one. */
  #log: LogLimiter | null = null;
  readonly #logger: Logger;
  /** True once the error budget is used up: the socket closes with 1008. */
  exhausted = false;
  #tokens: number;
  #refilled = Date.now();
  readonly #perMs: number;
  readonly #burst: number;
  #errors = 0;
  #errorsSince = 0;

  constructor(
    logger: Logger,
    readonly limits: SocketLimits,
    /** The socket process, told {@link OVER_BUDGET} when a view used up the budget. */
    readonly owner: Pid,
  ) {
    this.#logger = logger;
    this.#burst = limits.eventRate.burst;
    this.#tokens = this.#burst;
    this.#perMs = limits.eventRate.perSecond / 1000;
  }

  /** This websocket's log lines, rate-limited. */
  get log(): LogLimiter {
    return (this.#log ??= new LogLimiter(this.#logger, this.limits.logRate, "this websocket"));
  }

  /** Takes a token for one frame; false when the bucket is empty (the frame is refused). */
  take(): boolean {
    const now = Date.now();
    let t = this.#tokens + (now - this.#refilled) * this.#perMs;
    this.#refilled = now;
    if (t > this.#burst) t = this.#burst;
    if (t < 1) {
      this.#tokens = t;
      return false;
    }
    this.#tokens = t - 1;
    return true;
  }

  /**
   * Gives one token back (never past `burst`). An accepted upload chunk does: the official client answers
   * each acknowledged chunk with at most one progress report, which must not be refused by the bucket
   * (a refused report leaves the upload unfinished in the browser), and chunks are bounded by the bytes.
   */
  credit(): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + 1);
  }

  /**
   * A protocol error caused by the client: logged (rate-limited) and counted. True once the budget is used
   * up; the socket process is then told too (a view reporting the error cannot close the socket itself).
   */
  fault(level: LogLevel, message: string): boolean {
    this.log.log(level, message);
    const now = Date.now();
    if (now - this.#errorsSince > this.limits.errorBudget.windowMs) {
      this.#errorsSince = now;
      this.#errors = 0;
    }
    if (++this.#errors > this.limits.errorBudget.max && !this.exhausted) {
      this.exhausted = true;
      send(this.owner, OVER_BUDGET);
    }
    return this.exhausted;
  }

  /** The socket is gone: write the pending summary now, and leave no timer behind. */
  close(): void {
    this.#log?.flush();
  }
}

/** Checks limits given to `createEndpoint`, naming the bad one. */
export function socketLimits(
  opts: { eventRate?: EventRate; errorBudget?: ErrorBudget; logRate?: LogRate },
  where: string,
): SocketLimits {
  const eventRate = opts.eventRate ?? DEFAULT_EVENT_RATE;
  const errorBudget = opts.errorBudget ?? DEFAULT_ERROR_BUDGET;
  const logRate = opts.logRate ?? DEFAULT_LOG_RATE;
  positive(eventRate.burst, `${where}: eventRate.burst`, 1);
  positive(eventRate.perSecond, `${where}: eventRate.perSecond`, 0);
  positive(errorBudget.max, `${where}: errorBudget.max`, 0);
  positive(errorBudget.windowMs, `${where}: errorBudget.windowMs`, 1);
  positive(logRate.lines, `${where}: logRate.lines`, 0);
  positive(logRate.intervalMs, `${where}: logRate.intervalMs`, 1);
  return { eventRate, errorBudget, logRate };
}

function positive(v: unknown, name: string, min: number): void {
  if (typeof v !== "number" || Number.isNaN(v) || v < min)
    throw new TypeError(`${name} must be a number >= ${min}, got ${String(v)}`);
}
