import { self } from "@cinder/actors";
import { AsyncResult } from "./async_result.js";
import { AsyncTasks } from "./async_tasks.js";

/** What these functions need of a view's socket (the view socket itself, without importing it). */
export interface AsyncHost {
  readonly connected: boolean;
  readonly assigns: Readonly<Record<string, unknown>>;
  assign(key: never, value: never): unknown;
  asyncTasks: AsyncTasks | null;
}

// The socket's assignAsync / startAsync / cancelAsync, and what the view process does with their outcomes.
// Disconnected (the dead render) they only set the loading state: the work starts in the connected mount,
// as in Phoenix, so a page is not loaded twice.

const ASSIGN = "assign:";
const START = "start:";

function tasksOf(socket: AsyncHost): AsyncTasks {
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
export function assignAsync(socket: AsyncHost, keys: unknown, fn: (signal: AbortSignal) => unknown): void {
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
export function startAsync(socket: AsyncHost, name: unknown, fn: (signal: AbortSignal) => unknown): void {
  if (typeof name !== "string" || name === "")
    throw new TypeError("startAsync: the name must be a non-empty string");
  if (typeof fn !== "function") throw new TypeError("startAsync: expected a function as the second argument");
  if (socket.connected) tasksOf(socket).start(START + name, name, null, fn);
}

/** `socket.cancelAsync(nameOrKeys, reason)`: see {@link LiveViewSocket.cancelAsync}. */
export function cancelAsync(socket: AsyncHost, which: unknown, reason: unknown): void {
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
