import diagnosticsChannel, { type TracingChannel } from "node:diagnostics_channel";

/**
 * What a traced call publishes: the same object goes to the `start`, then the `end` or the `error` channel
 * of its tracing channel, so a subscriber can pair them (or keep its own data on it). `duration` (in
 * nanoseconds) is set before `end` and `error`; `error` is set before `error`.
 */
export interface SpanContext {
  /** Nanoseconds from `start` to `end` / `error` (set just before either is published). */
  duration?: number;
  /** What the call threw or rejected with (set just before `error` is published). */
  error?: unknown;
  [key: string]: unknown;
}

/**
 * A tracing channel named `cinder:<package>:<event>`: subscribe with
 * `diagnostics_channel.tracingChannel(name).subscribe({ start, end, error })`, or to one of its channels
 * (`tracing:<name>:start`, `tracing:<name>:end`, `tracing:<name>:error`). Each traced call publishes `start`,
 * then exactly one of `end` or `error`, whether the call was synchronous or returned a promise (then at the
 * settlement); the `asyncStart`/`asyncEnd` channels are not used.
 */
export function tracing(name: string): TracingChannel<unknown, SpanContext> {
  return diagnosticsChannel.tracingChannel<unknown, SpanContext>(name);
}

/**
 * Whether anyone listens to `tc`. Callers test this before building a context, so that a traced call costs
 * one property read per channel while nobody subscribes.
 */
export function isTraced(tc: TracingChannel<unknown, SpanContext>): boolean {
  return tc.start.hasSubscribers || tc.end.hasSubscribers || tc.error.hasSubscribers;
}

/**
 * Runs `fn`, publishing `ctx` to `tc`'s `start`, then to `end` (or `error`) with the duration, when `fn`
 * returns or its promise settles. Returns what `fn` returns; a throw or rejection passes through.
 */
export function traceCall<T>(tc: TracingChannel<unknown, SpanContext>, ctx: SpanContext, fn: () => T): T {
  const t0 = process.hrtime.bigint();
  tc.start.publish(ctx);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    failed(tc, ctx, t0, err);
    throw err;
  }
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
    return Promise.resolve(result).then(
      (value) => {
        ended(tc, ctx, t0);
        return value;
      },
      (err: unknown) => {
        failed(tc, ctx, t0, err);
        throw err;
      },
    ) as T;
  }
  ended(tc, ctx, t0);
  return result;
}

function ended(tc: TracingChannel<unknown, SpanContext>, ctx: SpanContext, t0: bigint): void {
  ctx.duration = Number(process.hrtime.bigint() - t0);
  tc.end.publish(ctx);
}

function failed(tc: TracingChannel<unknown, SpanContext>, ctx: SpanContext, t0: bigint, err: unknown): void {
  ctx.duration = Number(process.hrtime.bigint() - t0);
  ctx.error = err;
  tc.error.publish(ctx);
}
