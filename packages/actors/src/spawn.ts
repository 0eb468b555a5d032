import { type Behaviour, type ProcessFn, type SpawnOptions, Stop } from "./behaviour.js";
import { asyncContext, isAsyncFunction, runAs, running } from "./context.js";
import { describeValue } from "./describe.js";
import type { Exits } from "./exits.js";
import {
  ASYNC_CALL,
  ASYNC_CAST,
  ASYNC_INFO,
  ASYNC_TERMINATE,
  DEAD,
  FN,
  type Proc,
  SUSPENDED,
  TRAP_EXIT,
} from "./process.js";
import type { Scheduler } from "./scheduler.js";

// Starting a process: its flags, and the first run of its init (or of its function) inside the new process.

/** The flags a process spawned with `target` and `opts` starts with; throws on a bad target or options. */
export function spawnFlags(target: unknown, opts: SpawnOptions): number {
  if (typeof opts !== "object" || opts === null) {
    throw new TypeError(`spawn: options must be an object, got ${describeValue(opts)}`);
  }
  let flags = opts.trapExit === true ? TRAP_EXIT : 0;
  if (typeof target === "function") return flags | FN;
  if (typeof target !== "object" || target === null || typeof (target as Behaviour).init !== "function") {
    throw new TypeError(
      `spawn: expected a behaviour ({ init, handleInfo?, ... }) or an async function, got ${describeValue(target)}`,
    );
  }
  // Computed at every spawn, not cached per behaviour object: a cache (a WeakMap) cost more than these
  // checks, an entry per object and the collector's ephemeron work, for the README's style of a new
  // behaviour literal per spawn.
  const b = target as Behaviour;
  const bf =
    (isAsyncFunction(b.handleInfo) ? ASYNC_INFO : 0) |
    (isAsyncFunction(b.handleCall) ? ASYNC_CALL : 0) |
    (isAsyncFunction(b.handleCast) ? ASYNC_CAST : 0) |
    (isAsyncFunction(b.terminate) ? ASYNC_TERMINATE : 0);
  flags |= bf;
  if (bf !== 0 || isAsyncFunction((target as Behaviour).init)) running.asyncUsed = true;
  return flags;
}

/** Runs `p`'s init in `p`; a sync init has run when this returns. */
export function startBehaviour(p: Proc, args: unknown, exits: Exits, scheduler: Scheduler): void {
  let r: unknown;
  try {
    r = runAs(p, init, p.beh!, args);
  } catch (err) {
    exits.crash(p, err, false);
    return;
  }
  if (r instanceof Promise) {
    p.flags |= SUSPENDED;
    r.then(
      (v) => afterInit(p, v, exits, scheduler),
      (err) => exits.crash(p, err, false),
    );
  } else {
    afterInit(p, r, exits, scheduler);
  }
}

function afterInit(p: Proc, r: unknown, exits: Exits, scheduler: Scheduler): void {
  if (p.flags & DEAD) return;
  p.flags &= ~SUSPENDED;
  // A stop from init ends the process without terminate, as in gen_server.
  if (r instanceof Stop) return exits.exit(p, r.reason);
  p.state = r;
  scheduler.requeue(p);
}

/** Runs the function process `p` up to its first await; it exits when `fn` settles. */
export function startFunction<A>(p: Proc, fn: ProcessFn<A>, args: A, exits: Exits): void {
  running.asyncUsed = true;
  let r: unknown;
  try {
    r = runAs(p, runFunction, fn, args);
  } catch (err) {
    exits.crash(p, err, false);
    return;
  }
  Promise.resolve(r).then(
    () => exits.exit(p, "normal"),
    (err) => exits.crash(p, err, false),
  );
}

function init(p: Proc, beh: Behaviour, args: unknown): unknown {
  // Once async contexts are in use, even a sync init enters its own: spawned from an async process, it
  // would otherwise run in the spawner's context, and self() in a `.then` of init would name the spawner.
  return running.asyncUsed ? asyncContext.run(p, callInit, beh, args) : beh.init(args);
}

function runFunction<A>(p: Proc, fn: ProcessFn<A>, args: A): unknown {
  return asyncContext.run(p, fn, args);
}

// A trampoline for AsyncLocalStorage.run, which takes a function and its arguments (no closure per spawn).
function callInit(b: Behaviour, args: unknown) {
  return b.init(args);
}
