import { AsyncLocalStorage } from "node:async_hooks";
import type { Proc } from "./process.js";

/**
 * Which process is running. The synchronous part of every handler sets `running.proc` (a plain variable:
 * free). Only handlers that are `async` functions also run inside `asyncContext`, so `self()` still works
 * after an `await`. We enter AsyncLocalStorage only when needed because, on Node 20, once any context has
 * been entered every `await` in the whole process gets about 3x slower (promise hooks are installed).
 */
export const running: { proc: Proc | null; asyncUsed: boolean } = { proc: null, asyncUsed: false };

export const asyncContext = new AsyncLocalStorage<Proc>();

/** The calling process, or null when called from outside any process. */
export function currentProc(): Proc | null {
  const p = running.proc;
  if (p !== null) return p;
  return running.asyncUsed ? (asyncContext.getStore() ?? null) : null;
}

/** True when `fn` is declared `async` (so it needs the async context to know its process after `await`). */
export function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === "function" && (fn as Function).constructor?.name === "AsyncFunction";
}

/** Runs `fn` outside any process's async context, so callbacks it schedules do not inherit one. */
export function outsideContext<T>(fn: () => T): T {
  return running.asyncUsed ? asyncContext.exit(fn) : fn();
}
