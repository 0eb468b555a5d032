import { self } from "@cinder/actors";
import { AsyncResult } from "./async_result.js";
import { type AsyncDone, type AsyncOutcome, AsyncTasks } from "./async_tasks.js";
import type { LiveView } from "./view.js";
import type { ViewSocket } from "./view_socket.js";

// The socket's assignAsync / startAsync / cancelAsync, and what the view process does with their outcomes.
// Disconnected (the dead render) they only set the loading state: the work starts in the connected mount,
// as in Phoenix, so a page is not loaded twice.

const ASSIGN = "assign:";
const START = "start:";

function tasksOf(socket: ViewSocket<any>): AsyncTasks {
  socket.asyncTasks ??= new AsyncTasks(self());
  return socket.asyncTasks;
}

function keyList(keys: unknown, where: string): string[] {
  const list = typeof keys === "string" ? [keys] : keys;
  if (!Array.isArray(list) || list.length === 0 || !list.every((k) => typeof k === "string" && k !== ""))
    throw new TypeError(`${where}: expected an assign name or a non-empty array of them`);
  return list;
}

/** `socket.assignAsync(keys, fn)`: see {@link LiveViewSocket.assignAsync}. */
export function assignAsync(
  socket: ViewSocket<any>,
  keys: unknown,
  fn: (signal: AbortSignal) => unknown,
): void {
  const list = keyList(keys, "assignAsync");
  if (typeof fn !== "function")
    throw new TypeError("assignAsync: expected a function as the second argument");
  for (const key of list) {
    const previous = socket.assigns[key as never];
    socket.assign(
      key as never,
      AsyncResult.loading(previous instanceof AsyncResult ? previous : undefined) as never,
    );
  }
  if (socket.connected) tasksOf(socket).start(ASSIGN + list.join(","), list.join(","), list, fn);
}

/** `socket.startAsync(name, fn)`: see {@link LiveViewSocket.startAsync}. */
export function startAsync(
  socket: ViewSocket<any>,
  name: unknown,
  fn: (signal: AbortSignal) => unknown,
): void {
  if (typeof name !== "string" || name === "")
    throw new TypeError("startAsync: the name must be a non-empty string");
  if (typeof fn !== "function") throw new TypeError("startAsync: expected a function as the second argument");
  if (socket.connected) tasksOf(socket).start(START + name, name, null, fn);
}

/** `socket.cancelAsync(nameOrKeys, reason)`: see {@link LiveViewSocket.cancelAsync}. */
export function cancelAsync(socket: ViewSocket<any>, which: unknown, reason: unknown): void {
  const tasks = socket.asyncTasks;
  if (tasks === null) return;
  const cancelled = { cancelled: reason };
  const started = typeof which === "string" ? tasks.cancel(START + which, reason) : null;
  if (started !== null) {
    // handleAsync hears of it, as of any other outcome, once this callback is done.
    tasks.start(START + started.name, started.name, null, () => Promise.reject(cancelled));
    return;
  }
  const keys = keyList(which, "cancelAsync");
  if (tasks.cancel(ASSIGN + keys.join(","), reason) === null) return;
  for (const key of keys) {
    const previous = socket.assigns[key as never];
    socket.assign(
      key as never,
      AsyncResult.failed(cancelled, previous instanceof AsyncResult ? previous : undefined) as never,
    );
  }
}

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
