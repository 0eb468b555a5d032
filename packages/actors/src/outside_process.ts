import type { Logger } from "./log.js";

/**
 * A call that acts for the calling process (`self`, `receive`, `link`, `monitor`, `trapExit`, ...) made
 * when no process is running. The usual cause: a `setTimeout`, `setInterval`, event listener or `.then`
 * callback scheduled inside a handler that is not `async`. It runs after the handler returned, and the
 * runtime can then not tell which process it belongs to (it tracks the running process in a plain variable
 * for synchronous handlers, which costs nothing, and keeps an async context only for `async` handlers).
 *
 * Thrown from such a callback it would be an uncaught exception, which ends Node. The runtime catches
 * exactly this error instead (see {@link guardOutsideProcessCalls}) and logs it; anything else stays Node's
 * business.
 */
export class OutsideProcessError extends Error {
  constructor(
    /** The function that was called (`self`, `receive`, ...). */
    readonly call: string,
  ) {
    super(
      `${call}(): called outside any process. In a timer (setTimeout, setInterval), an event listener or a ` +
        ".then callback of a handler that is not async, no process is running when the callback fires. " +
        "Take the pid before (const me = self()) and use it in the callback, have a message sent to you " +
        "later with sendAfter(self(), msg, ms), declare the handler async (its callbacks then know their " +
        "process), or wrap the callback with asSelf(fn) so it runs as the process (its errors then crash " +
        "that process, not Node)",
    );
    this.name = "OutsideProcessError";
  }
}

let logger: Logger | null = null;

/**
 * Installs, once per Node process, the listener that keeps an {@link OutsideProcessError} thrown from a
 * timer or callback from ending Node: it is logged at `error` through `log` (the first runtime's logger)
 * and dropped. Every other uncaught exception is left as it was: to the application's own listeners if it
 * has any, else Node's default (the error printed, exit code 1), which the listener restores by rethrowing
 * it with itself removed.
 */
export function guardOutsideProcessCalls(log: Logger): void {
  if (logger !== null) return;
  logger = log;
  process.on("uncaughtException", onUncaught);
}

function onUncaught(err: unknown): void {
  if (err instanceof OutsideProcessError) {
    logger!.log(
      "error",
      `uncaught ${err.stack ?? err.message}\n  (caught by @cinder/actors so that Node keeps running)`,
    );
    return;
  }
  // Another listener (the application's, a test runner's) handles the rest.
  if (process.listenerCount("uncaughtException") > 1) return;
  // None: what Node does without listeners, which is to end the process with this error.
  process.removeListener("uncaughtException", onUncaught);
  logger = null;
  process.nextTick(() => {
    throw err;
  });
}
