import { randomInt } from "node:crypto";
import type { Behaviour, ExitReason, ProcessFn, SpawnOptions } from "./behaviour.js";
import { CallError, callProc, castProc } from "./call.js";
import { type Clock, checkTimeout, realClock } from "./clock.js";
import { callerOrThrow, currentProc } from "./context.js";
import { describeValue } from "./describe.js";
import { channels } from "./diagnostics.js";
import { strictChecks } from "./environment.js";
import { Exits } from "./exits.js";
import { checkGlobalName } from "./global_names.js";
import { addLink, demonitor, monitor, removeLink, unwatch, watch } from "./links.js";
import { consoleLogger, type LogFunction, type Logger, toLogger } from "./log.js";
import { checkMailbox } from "./mailbox.js";
import { Down } from "./messages.js";
import { Names } from "./names.js";
import { guardOutsideProcessCalls } from "./outside_process.js";
import { assertPid, Pid, Ref } from "./pid.js";
import { DEAD, FN, LIMITED, type Monitor, Proc, TRAP_EXIT } from "./process.js";
import { describeProc, type ProcessInfo, type ProcessInfoOptions } from "./process_info.js";
import { ProcessTable } from "./process_table.js";
import { Distribution } from "./remote.js";
import { Scheduler } from "./scheduler.js";
import { spawnFlags, startBehaviour, startFunction } from "./spawn.js";
import { type Timer, Timers } from "./timers.js";
import type { Transport, TransportHost } from "./transport.js";

/** Where `send`, `call` and `cast` go: a pid (of any node), a name registered on this node, or a global name. */
export type Dest = Pid | string | { readonly global: string };

/** Options for `createRuntime`. */
export interface RuntimeOptions {
  /** The node name carried by every pid of this runtime (default `"local"`). */
  node?: string;
  /** The clock for timers and timeouts (default: `performance.now` and `setTimeout`). */
  clock?: Clock;
  /**
   * How the next scheduler turn is scheduled. The default runs turns as microtasks for up to a few
   * milliseconds, then yields to the event loop with `setImmediate`. Tests may pass their own to step turns.
   */
  schedule?: (turn: () => void) => void;
  /**
   * A random source. When given, the scheduler picks the next runnable process at random and runs one
   * message at a time, so a seeded source explores (and reproduces) interleavings.
   */
  random?: () => number;
  /** Where crashes are logged: a `Logger` or a bare function (default: stderr, filtered by `LOG_LEVEL`). */
  logger?: Logger | LogFunction;
  /**
   * Keep a table of live processes, so that `processes()` lists them and `processInfo` counts the messages
   * each handled (default: on outside production, off in production; the environment variable
   * `CINDER_PROCESS_TABLE=on|off` overrides the default). Its cost is in docs/benchmarks.md.
   */
  processTable?: boolean;
}

/** A handle returned by `Runtime.watch`, to pass to `Runtime.unwatch`. Treat it as opaque. */
export type Watch = Monitor;

/** Counters for tests and dashboards. */
export interface RuntimeStats {
  /** Live processes. */
  processes: number;
  /** Processes waiting to run. */
  runQueue: number;
  /** Registered names. */
  names: number;
  /** Timers set and not yet fired or cancelled. */
  timers: number;
  /** Messages handled by behaviours since start, with a process table (`processTable`); else null. */
  handled: number | null;
}

/**
 * A runtime: one scheduler, its processes, names and timers. Most programs use the default runtime through
 * the free functions (`spawn`, `send`, ...); `createRuntime` makes isolated ones for tests and for
 * simulating several nodes in one Node process. It wires the parts, each in its own file: the scheduler,
 * exits, links and monitors, names, timers, call/cast and spawning.
 *
 * It is the `ProcRuntime` of its processes (process.ts). It does not say `implements ProcRuntime`: two of
 * those members are internal and left out of the published types, where the clause would then not hold.
 * A message reaches a process through `p.rt.scheduler.deliver`, not through a method of the runtime that
 * would pass it on: delivery is the path of every message, and the extra call showed in the benchmarks.
 */
export class Runtime {
  readonly node: string;
  /** This runtime's incarnation, carried by its pids (see `Pid.creation`). */
  readonly creation = randomInt(1, 2 ** 31);
  /** The clock its timers and timeouts use. */
  readonly clock: Clock;
  /** Where it logs crashes. */
  readonly logger: Logger;
  private readonly names: Names;
  private readonly timers: Timers;
  private readonly exits: Exits;
  /** @internal Its run queue; also what delivers a message to one of its processes (`deliver`). */
  readonly scheduler: Scheduler;
  /** @internal Its reach to other nodes, and the cluster's global names (remote.ts). */
  readonly dist: Distribution;
  /** @internal The live processes, when this runtime keeps a table (see `RuntimeOptions.processTable`). */
  readonly table: ProcessTable | null;
  /** Processes spawned so far, which is also the last pid number given out. */
  private spawned = 0;

  constructor(opts: RuntimeOptions = {}) {
    if (opts.node !== undefined && (typeof opts.node !== "string" || opts.node === "")) {
      throw new TypeError(`createRuntime: node must be a non-empty string, got ${describeValue(opts.node)}`);
    }
    this.node = opts.node ?? "local";
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger === undefined ? consoleLogger() : toLogger(opts.logger, "createRuntime");
    this.names = new Names(this);
    this.timers = new Timers(this.clock, this.names);
    this.exits = new Exits(this, this.names, this.logger);
    this.scheduler = new Scheduler(opts, this.exits, this.logger);
    this.table = (opts.processTable ?? processTableByDefault()) ? new ProcessTable() : null;
    this.scheduler.table = this.table;
    this.exits.table = this.table;
    guardOutsideProcessCalls(this.logger);
    this.dist = new Distribution(this);
  }

  /**
   * Connects this runtime to other nodes through `transport` (`PubSub.start({ distribution: true })` does it
   * with the pubsub's adapter): `send`, `call`, `cast`, `monitor`, `link` and `exit` then reach processes of
   * other nodes, and global names are shared. Returns where the transport hands what it receives. Once only.
   */
  distribute(transport: Transport): TransportHost {
    return this.dist.attach(transport);
  }

  /** @internal See `Pid.markExported`. */
  exportProc(p: Proc): void {
    this.dist.export(p);
  }

  /** @internal An exit signal from another node (or a link to one). */
  signalExit(p: Proc, from: Pid | null, reason: ExitReason, viaLink: boolean): void {
    this.exits.signal(p, from, reason, viaLink);
  }

  /** Starts a process running `behaviour` (or the function `fn`) with `args`; returns its pid. */
  spawn<A>(target: Behaviour<any, any, A> | ProcessFn<A>, args?: A, opts: SpawnOptions = {}): Pid {
    const caller = currentProc();
    const flags = spawnFlags(target, opts);
    if (opts.link === true && caller === null) {
      throw new TypeError("spawn: { link: true } needs a calling process (call spawn from inside a process)");
    }
    if (opts.name !== undefined) this.names.check(opts.name, "spawn");
    const limit = opts.mailbox !== undefined ? checkMailbox(opts.mailbox) : null;
    const p = new Proc(
      this,
      ++this.spawned,
      flags & FN ? null : (target as Behaviour),
      limit === null ? flags : flags | LIMITED,
    );
    p.limit = limit;
    if (this.table !== null) this.table.add(p, performance.now());
    if (opts.name !== undefined) this.names.set(opts.name, p);
    // A process killed mid-handler still runs the rest of it; a child it links to gets the exit it missed.
    const orphan = opts.link === true && (caller!.flags & DEAD) !== 0;
    if (opts.link === true && !orphan) {
      p.parent = caller;
      addLink(caller!, p);
    }
    if (channels.spawn.hasSubscribers) channels.spawn.publish({ pid: p.pid, parent: caller?.pid ?? null });
    if (flags & FN) startFunction(p, target as ProcessFn<A>, args as A, this.exits);
    else startBehaviour(p, args, this.exits, this.scheduler);
    if (orphan) this.exits.signal(p, caller!.pid, "noproc", true);
    return p.pid;
  }

  /**
   * Sends `msg` to a pid (of this node or another), a registered name or a global name. A dead pid is a
   * no-op; an unknown name throws. To another node, a message the transport cannot carry throws first.
   */
  send(dest: Dest, msg: unknown): void {
    if (dest instanceof Pid) {
      const p = dest._p;
      if (p !== null) p.rt.scheduler.deliver(p, msg);
      else this.dist.send(dest, msg);
      return;
    }
    if (isGlobal(dest)) return this.send(this.whereisGlobalOrThrow(dest.global, "send"), msg);
    if (typeof dest === "string") {
      const p = this.names.lookup(dest);
      if (p === undefined) throw new Error(`send: no process is registered as ${JSON.stringify(dest)}`);
      this.scheduler.deliver(p, msg);
      return;
    }
    throw new TypeError(`send: expected a Pid or a registered name, got ${describeValue(dest)}`);
  }

  /** @internal Crashes `p` with `err`, as a handler that threw would (see `asSelf`). */
  crashProc(p: Proc, err: unknown): void {
    this.exits.crash(p, err, true);
  }

  /** @internal Ends `p` with `reason`: see exits.ts. */
  exitProc(p: Proc, reason: ExitReason): void {
    this.exits.exit(p, reason);
  }

  /** See `call`: names resolve in this runtime. */
  call<R = any>(dest: Dest, request: unknown, timeoutMs = 5000): Promise<R> {
    checkTimeout(timeoutMs, "call");
    if (dest instanceof Pid) {
      if (dest._p !== null) return callProc(dest._p, dest, request, timeoutMs);
      return this.dist.call(dest, request, timeoutMs, currentProc());
    }
    if (isGlobal(dest)) {
      const pid = this.dist.globals.whereis(dest.global);
      if (pid === undefined) {
        const msg = `call: no process is registered globally as ${JSON.stringify(dest.global)}`;
        return Promise.reject(new CallError("noproc", "noproc", msg));
      }
      return this.call(pid, request, timeoutMs);
    }
    if (typeof dest === "string") return callProc(this.names.lookup(dest) ?? null, dest, request, timeoutMs);
    throw new TypeError(`call: expected a Pid or a registered name, got ${describeValue(dest)}`);
  }

  /** See `cast`: names resolve in this runtime. */
  cast(dest: Dest, request: unknown): void {
    if (dest instanceof Pid) {
      if (dest._p !== null) castProc(dest._p, request);
      else this.dist.cast(dest, request);
    } else if (isGlobal(dest)) {
      const pid = this.dist.globals.whereis(dest.global);
      if (pid !== undefined) this.cast(pid, request);
    } else if (typeof dest === "string") castProc(this.names.lookup(dest) ?? null, request);
    else throw new TypeError(`cast: expected a Pid or a registered name, got ${describeValue(dest)}`);
  }

  /** Links the calling process and `pid`. Linking a dead pid sends the caller an exit with `"noproc"`. */
  link(pid: Pid): void {
    assertPid(pid, "link");
    const me = callerOrThrow("link");
    const t = this.dist.local(pid);
    if (t === null) return this.dist.link(me, pid);
    if (t !== me) addLink(me, t);
  }

  /** Removes the link between the calling process and `pid`, if any. */
  unlink(pid: Pid): void {
    assertPid(pid, "unlink");
    const me = callerOrThrow("unlink");
    const t = this.dist.local(pid);
    if (t !== null) removeLink(me, t);
    else this.dist.unlink(me, pid);
  }

  /** Monitors `pid` from the calling process: one `DownMessage` with this ref when it exits. */
  monitor(pid: Pid): Ref {
    assertPid(pid, "monitor");
    const me = callerOrThrow("monitor");
    const t = this.dist.local(pid);
    return t === null ? this.dist.monitor(me, pid) : monitor(me, t, pid);
  }

  /**
   * Watches `pid` from outside any process: `onDown(reason)` runs once, synchronously, when it exits. This is a
   * monitor without a mailbox (no Ref or DOWN message to match), for libraries that keep per-process state,
   * such as `call` and `@cinder/pubsub`. Returns a handle for `unwatch`, or null if `pid` is not alive (then
   * `onDown` never runs). `onDown` runs while the process is being torn down: keep it short, and do not throw.
   */
  watch(pid: Pid, onDown: (reason: ExitReason) => void): Watch | null {
    const t = pid._p;
    return t === null ? null : watch(t, onDown);
  }

  /** Cancels a `watch`: its `onDown` will not run. Cancelling twice, or after the exit, does nothing. */
  unwatch(m: Watch): void {
    unwatch(m);
  }

  /** Removes a monitor; with `{ flush: true }` also drops its DOWN message if already queued. */
  demonitor(ref: Ref, opts: { flush?: boolean } = {}): boolean {
    if (!(ref instanceof Ref)) throw new TypeError(`demonitor: expected a Ref, got ${describeValue(ref)}`);
    const me = callerOrThrow("demonitor");
    if (!demonitor(me, ref)) this.dist.demonitor(ref);
    if (opts.flush === true) {
      for (let i = 0; i < me.mail.count; i++) {
        const msg = me.mail.peek(i);
        if (msg instanceof Down && msg.ref === ref) {
          me.mail.removeAt(i);
          break;
        }
      }
    }
    return true;
  }

  /**
   * Sends an exit signal to `pid`. `"kill"` cannot be trapped (the process dies with `"killed"`);
   * `"normal"` is ignored unless `pid` is the caller; any other reason kills a process that does not trap exits.
   */
  exit(pid: Pid, reason: ExitReason): void {
    assertPid(pid, "exit");
    const t = this.dist.local(pid);
    const from = currentProc()?.pid ?? null;
    if (t !== null) this.exits.signal(t, from, reason, false);
    else this.dist.exit(pid, from, reason);
  }

  /** Sets whether the calling process traps exits; returns the previous setting. */
  trapExit(on: boolean): boolean {
    const me = callerOrThrow("trapExit");
    const was = (me.flags & TRAP_EXIT) !== 0;
    if (on) me.flags |= TRAP_EXIT;
    else me.flags &= ~TRAP_EXIT;
    return was;
  }

  /** Registers `name` for `pid`. Throws if the name is taken, the pid already has a name, or it is dead. */
  register(name: string, pid: Pid): void {
    this.names.register(name, pid);
  }

  /** Frees `name`; returns false if it was not registered. */
  unregister(name: string): boolean {
    return this.names.unregister(name);
  }

  /** The pid registered as `name`, or undefined. */
  whereis(name: string): Pid | undefined {
    return this.names.lookup(name)?.pid;
  }

  /**
   * Registers `pid` (a live process of this runtime) as `name` in the whole cluster; false when the name is
   * taken as far as this node knows. For two registrations that did not see each other, see `GlobalNames`.
   */
  registerGlobal(name: string, pid: Pid): boolean {
    checkGlobalName(name, "registerGlobal");
    assertPid(pid, "registerGlobal");
    const p = pid._p;
    if (p === null) throw new Error(`registerGlobal: ${pid} is not alive`);
    if (p.rt !== this)
      throw new Error(`registerGlobal: ${pid} belongs to another runtime; register it there`);
    return this.dist.globals.register(name, p);
  }

  /** Frees a global name in the whole cluster; false when it is not registered. */
  unregisterGlobal(name: string): boolean {
    checkGlobalName(name, "unregisterGlobal");
    return this.dist.globals.unregister(name);
  }

  /** The pid registered globally as `name` (on any node), or undefined. */
  whereisGlobal(name: string): Pid | undefined {
    checkGlobalName(name, "whereisGlobal");
    return this.dist.globals.whereis(name);
  }

  private whereisGlobalOrThrow(name: string, fn: string): Pid {
    checkGlobalName(name, fn);
    const pid = this.dist.globals.whereis(name);
    if (pid === undefined)
      throw new Error(`${fn}: no process is registered globally as ${JSON.stringify(name)}`);
    return pid;
  }

  /** The other nodes that are up now (empty without `distribute`). */
  nodes(): string[] {
    return this.dist.nodes();
  }

  /**
   * The calling process gets one `NodeDownMessage` (`{ type: "nodedown", ref, node }`) when `node` goes down,
   * at once if it is not up now. Returns the ref to pass to `demonitorNode`.
   */
  monitorNode(node: string): Ref {
    if (typeof node !== "string" || node === "") {
      throw new TypeError(`monitorNode: node must be a non-empty string, got ${describeValue(node)}`);
    }
    return this.dist.monitorNode(callerOrThrow("monitorNode"), node);
  }

  /** Removes a node monitor; false if there was none. */
  demonitorNode(ref: Ref): boolean {
    if (!(ref instanceof Ref))
      throw new TypeError(`demonitorNode: expected a Ref, got ${describeValue(ref)}`);
    return this.dist.demonitorNode(ref);
  }

  /** Sends `msg` to `dest` after `ms` milliseconds (never sooner, never synchronously). */
  sendAfter(dest: Pid | string, msg: unknown, ms: number): Timer {
    return this.timers.sendAfter(dest, msg, ms);
  }

  /** Cancels a timer: the milliseconds that were left (it will never deliver), or false if it already fired. */
  cancelTimer(t: Timer): number | false {
    return this.timers.cancel(t);
  }

  /** Whether `pid` is a live process of this node (a process of another node is never alive here). */
  isAlive(pid: Pid): boolean {
    assertPid(pid, "isAlive");
    return this.dist.local(pid) !== null;
  }

  /** Counters: live processes, run queue length, names, pending timers. */
  /**
   * The pids of every live process of this runtime, oldest first (Erlang's `processes()`). Needs the process
   * table (`processTable`); without one it throws, saying how to turn it on.
   */
  processes(): Pid[] {
    if (this.table === null)
      throw new Error(
        "processes(): this runtime keeps no process table (createRuntime({ processTable: true }))",
      );
    return Array.from(this.table.procs(), (p) => p.pid);
  }

  /** What a live local process is doing (Erlang's `process_info`), or undefined when it is not alive here. */
  processInfo(pid: Pid, opts?: ProcessInfoOptions): ProcessInfo | undefined {
    const p = pid._p;
    if (p === null || p.rt !== this || (p.flags & DEAD) !== 0) return undefined;
    return describeProc(p, this.table, opts);
  }

  stats(): RuntimeStats {
    return {
      processes: this.spawned - this.exits.exited,
      runQueue: this.scheduler.runq.count,
      names: this.names.size,
      timers: this.timers.count,
      handled: this.table?.handled ?? null,
    };
  }

  /** Resolves once no process is waiting to run (handy in tests). */
  async drain(): Promise<void> {
    while (this.scheduler.scheduled || this.scheduler.runq.count > 0)
      await new Promise((r) => setImmediate(r));
  }
}

function isGlobal(dest: unknown): dest is { readonly global: string } {
  return typeof dest === "object" && dest !== null && !(dest instanceof Pid) && "global" in dest;
}

/** The table's default: `CINDER_PROCESS_TABLE=on|off` if set, else on outside production. */
function processTableByDefault(): boolean {
  const v = process.env.CINDER_PROCESS_TABLE?.toLowerCase();
  if (v === "on" || v === "1" || v === "true") return true;
  if (v === "off" || v === "0" || v === "false") return false;
  return strictChecks();
}
