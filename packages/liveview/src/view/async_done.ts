import { AsyncResult } from "./async_result.js";
import type { AsyncDone, AsyncOutcome } from "./async_tasks.js";
import type { LiveView } from "./view.js";
import type { ViewSocket } from "./view_socket.js";

/**
 * Applies a finished task to the view: its assigns become `ok` or `failed` (`assignAsync`), or the view's
 * `handleAsync` runs (`startAsync`). A late answer of a restarted or cancelled task is dropped.
 */
export function applyAsyncDone(
  done: AsyncDone,
  view: LiveView,
  name: string,
  socket: ViewSocket<any>,
): void | Promise<void> {
  const task = socket.asyncTasks?.take(done) ?? null;
  if (task === null) return;
  if (task.keys !== null) return settleAssigns(task.keys, done.outcome, socket);
  if (view.handleAsync === undefined)
    throw new Error(`${name} started async work "${task.name}" (startAsync) but defines no handleAsync`);
  return view.handleAsync(task.name, done.outcome, socket);
}

function settleAssigns(keys: readonly string[], outcome: AsyncOutcome, socket: ViewSocket<any>): void {
  let values: Record<string, unknown> | null = null;
  let reason: unknown = outcome.ok ? undefined : outcome.reason;
  if (outcome.ok) {
    const v = outcome.value;
    const missing = typeof v === "object" && v !== null ? keys.filter((k) => !Object.hasOwn(v, k)) : keys;
    if (missing.length === 0) values = v as Record<string, unknown>;
    else
      reason = new TypeError(
        `assignAsync(${JSON.stringify(keys)}): the function must resolve to an object with every key; ` +
          `missing ${JSON.stringify(missing)}`,
      );
  }
  for (const key of keys) {
    const previous = socket.assigns[key as never];
    const prev = previous instanceof AsyncResult ? previous : undefined;
    socket.assign(
      key as never,
      (values !== null ? AsyncResult.ok(values[key]) : AsyncResult.failed(reason, prev)) as never,
    );
  }
}
