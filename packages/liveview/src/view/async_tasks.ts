import { type Pid, type Runtime, runtime, send, type Watch } from "@cinder/actors";

/** How a piece of async work ended: its value, or why it failed (what it threw, or the cancel reason). */
export type AsyncOutcome<T = unknown> = { ok: true; value: T } | { ok: false; reason: unknown };

/** The message a finished task sends to its view's process (handled there, never by `handleInfo`). */
export class AsyncDone {
  constructor(
    /** The task's key: `assign:<keys>` or `start:<name>`. */
    readonly key: string,
    /** Which start of that key it answers: a restarted or cancelled task's late answer is dropped. */
    readonly ref: number,
    readonly outcome: AsyncOutcome,
  ) {}
}

/** A task in flight. */
export interface AsyncTask {
  readonly ref: number;
  readonly controller: AbortController;
  /** The assigns it fills (`assignAsync`), or null (`startAsync`, answered through `handleAsync`). */
  readonly keys: readonly string[] | null;
  /** The name given to `startAsync` (or the keys joined with ","). */
  readonly name: string;
}

/**
 * A view's async work in flight, by key. The work runs beside the view, as promises, never inside one of
 * its callbacks: the view keeps handling its mailbox, and the outcome comes back as an {@link AsyncDone}
 * message. Starting a key again, cancelling it or the view's exit aborts its `AbortSignal`, and an answer
 * that is no longer awaited is dropped.
 */
export class AsyncTasks {
  readonly #tasks = new Map<string, AsyncTask>();
  #ref = 0;
  readonly #rt: Runtime;
  readonly #watch: Watch | null;

  /** For the view process `pid`; made inside it (its runtime is the caller's). */
  constructor(readonly pid: Pid) {
    this.#rt = runtime();
    // However the view ends (a crash, a kill, its socket closing), its work is told to stop.
    this.#watch = this.#rt.watch(pid, () => this.cancelAll("the view exited"));
  }

  /** Starts `fn` under `key`, aborting whatever ran under that key before. */
  start(
    key: string,
    name: string,
    keys: readonly string[] | null,
    fn: (signal: AbortSignal) => unknown,
  ): void {
    this.#tasks.get(key)?.controller.abort("restarted");
    const ref = ++this.#ref;
    const controller = new AbortController();
    this.#tasks.set(key, { ref, controller, keys, name });
    const pid = this.pid;
    // Called from a microtask, so a throw inside `fn` is a failed outcome like a rejection.
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then(
        (value) => send(pid, new AsyncDone(key, ref, { ok: true, value })),
        (reason: unknown) => send(pid, new AsyncDone(key, ref, { ok: false, reason })),
      );
  }

  /** The task `done` answers, forgotten; null when it was restarted or cancelled meanwhile. */
  take(done: AsyncDone): AsyncTask | null {
    const task = this.#tasks.get(done.key);
    if (task === undefined || task.ref !== done.ref) return null;
    this.#tasks.delete(done.key);
    return task;
  }

  /** Aborts the task under `key` and forgets it; returns it, or null if none ran. */
  cancel(key: string, reason: unknown): AsyncTask | null {
    const task = this.#tasks.get(key);
    if (task === undefined) return null;
    this.#tasks.delete(key);
    task.controller.abort(reason);
    return task;
  }

  /** Aborts everything (the view is gone). */
  cancelAll(reason: unknown): void {
    for (const task of this.#tasks.values()) task.controller.abort(reason);
    this.#tasks.clear();
    if (this.#watch !== null) this.#rt.unwatch(this.#watch);
  }

  /** How many tasks are in flight. */
  get size(): number {
    return this.#tasks.size;
  }
}
