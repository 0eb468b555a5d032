import { call, exit, isAlive, link, runtime, self, unlink } from "./api.js";
import { type Behaviour, type ExitReason, isNormalExit, reply, type Stop, stop } from "./behaviour.js";
import { asParent, currentProc } from "./context.js";
import { describeValue } from "./describe.js";
import { Exit } from "./messages.js";
import { Pid } from "./pid.js";
import type { Runtime } from "./runtime.js";

// The supervisor is a behaviour built on the public operations. Its one way into the kernel is `asParent`
// (context.ts): it acts as itself from callbacks that run after a wait, when no process is running.

/** How a supervisor restarts children when one exits. */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** When a child is restarted: always, only after an abnormal exit, or never. */
export type RestartType = "permanent" | "transient" | "temporary";

/** A child of a supervisor. */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /** Starts the child and returns its pid. Runs inside the supervisor, which links the child. */
  start: () => Pid;
  /** Default `"permanent"`. */
  restart?: RestartType;
  /**
   * How long the child may take to stop after `exit(child, "shutdown")` before it is killed, in ms;
   * `"brutal_kill"` kills at once; `"infinity"` waits for ever (the default for supervisors). Default 5000.
   */
  shutdown?: number | "brutal_kill" | "infinity";
}

/** What `Supervisor.start` takes. */
export interface SupervisorSpec {
  /** Default `"one_for_one"`. */
  strategy?: Strategy;
  /** More than `intensity` restarts within `period` ms makes the supervisor give up. Default 3. */
  intensity?: number;
  /** In milliseconds. Default 5000. */
  period?: number;
  children: ChildSpec[];
}

interface Child {
  spec: ChildSpec;
  pid: Pid | null;
  /** Times it was restarted. */
  restarts: number;
}

/** What `Supervisor.info` tells: the strategy, its limits, and each child with its restart count. */
export interface SupervisorInfo {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  /** Restarts within the last `period` ms (past `intensity`, the supervisor gives up). */
  readonly recentRestarts: number;
  readonly children: readonly {
    readonly id: string;
    readonly pid: Pid | null;
    readonly restart: RestartType;
    readonly restarts: number;
  }[];
}

interface State {
  self: Pid;
  rt: Runtime;
  /** Runs a function as this supervisor (see `asParent`). */
  act: <T>(fn: () => T) => T;
  strategy: Strategy;
  intensity: number;
  period: number;
  children: Child[];
  restarts: number[];
}

type Request = { op: "which_children" } | { op: "info" } | { op: "stop"; reason: ExitReason };

/** Live supervisors: a child that is one gets all the time its own children need to stop. */
const supervisors = new WeakSet<Pid>();

const supervisor: Behaviour<State, unknown, SupervisorSpec, Request> = {
  label: "Supervisor",
  init(spec) {
    const me = self();
    supervisors.add(me);
    const st: State = {
      self: me,
      rt: runtime(),
      act: asParent(me),
      strategy: spec.strategy ?? "one_for_one",
      intensity: spec.intensity ?? 3,
      period: spec.period ?? 5000,
      children: spec.children.map((c) => ({ spec: c, pid: null, restarts: 0 })),
      restarts: [],
    };
    for (const child of st.children) {
      const err = startChild(st, child);
      if (err !== null) {
        // As in OTP: a child that fails to start fails the supervisor, after its started siblings stop.
        return then(shutdownAll(st), () => {
          throw new Error(`Supervisor: child ${JSON.stringify(child.spec.id)} failed to start: ${err}`);
        });
      }
    }
    return st;
  },

  handleInfo(msg, st) {
    if (!(msg instanceof Exit) || msg.from === null) return st;
    const i = st.children.findIndex((c) => c.pid?.equals(msg.from) === true);
    if (i < 0) return st; // an EXIT from a process that is no longer (or never was) a child
    const child = st.children[i];
    child.pid = null;
    if (!shouldRestart(child.spec.restart ?? "permanent", msg.reason)) {
      if (child.spec.restart === "temporary") st.children.splice(i, 1);
      return st;
    }
    return restart(st, i);
  },

  handleCall(req, _from, st) {
    if (req.op === "stop") return stop(req.reason, st, "ok");
    if (req.op === "info") {
      const now = st.rt.clock.now();
      const info: SupervisorInfo = {
        strategy: st.strategy,
        intensity: st.intensity,
        period: st.period,
        recentRestarts: st.restarts.filter((t) => t > now - st.period).length,
        children: st.children.map((c) => ({
          id: c.spec.id,
          pid: c.pid,
          restart: c.spec.restart ?? "permanent",
          restarts: c.restarts,
        })),
      };
      return reply(info, st);
    }
    return reply(
      st.children.map((c) => ({ id: c.spec.id, pid: c.pid })),
      st,
    );
  },

  terminate(_reason, st) {
    return shutdownAll(st) ?? undefined;
  },
};

function shouldRestart(type: RestartType, reason: ExitReason): boolean {
  if (type === "permanent") return true;
  if (type === "temporary") return false;
  return !isNormalExit(reason);
}

/** Restarts after child `i` exited, by strategy; gives up (stops with "shutdown") past the intensity. */
function restart(st: State, i: number): State | Stop<State> | Promise<State | Stop<State>> {
  const now = st.rt.clock.now();
  st.restarts = st.restarts.filter((t) => t > now - st.period);
  st.restarts.push(now);
  if (st.restarts.length > st.intensity) {
    st.rt.logger.log(
      "error",
      `supervisor ${st.self} reached its restart intensity (${st.intensity} in ${st.period} ms): shutting down`,
    );
    return then(shutdownAll(st), () => stop("shutdown", st));
  }
  const failed = st.children[i];
  const affected =
    st.strategy === "one_for_one"
      ? [failed]
      : st.strategy === "one_for_all"
        ? st.children.slice()
        : st.children.slice(i);
  const siblings = affected.filter((c) => c !== failed && c.pid !== null).reverse();
  return then(shutdownSeq(st, siblings), () => {
    // Temporary children stopped because of a sibling are removed, not restarted (OTP's rule).
    const toStart = affected.filter((c) => c === failed || c.spec.restart !== "temporary");
    st.children = st.children.filter((c) => !affected.includes(c) || toStart.includes(c));
    for (const c of toStart) {
      c.restarts++;
      const err = startChild(st, c);
      if (err !== null) {
        st.rt.logger.log(
          "error",
          `supervisor ${st.self}: child ${JSON.stringify(c.spec.id)} failed to restart: ${err}`,
        );
        // A failed restart counts as another restart, as in OTP.
        return restart(st, st.children.indexOf(c));
      }
    }
    return st;
  });
}

/** Starts `child` inside the supervisor; returns null, or why it failed. */
function startChild(st: State, child: Child): string | null {
  let pid: unknown;
  try {
    pid = st.act(() => child.spec.start());
  } catch (err) {
    return err instanceof Error ? err.message : describeValue(err);
  }
  if (!(pid instanceof Pid)) return `start() must return a Pid, got ${describeValue(pid)}`;
  if (!isAlive(pid)) return "the child exited while starting";
  st.act(() => link(pid)); // adopts it: the supervisor becomes its parent, unless it has one
  child.pid = pid;
  return null;
}

/** Stops every child, last started first. */
function shutdownAll(st: State): Promise<void> | null {
  return shutdownSeq(st, st.children.filter((c) => c.pid !== null).reverse());
}

/** Stops `children` one after another; null when all died at once (nothing to wait for). */
function shutdownSeq(st: State, children: Child[]): Promise<void> | null {
  for (let k = 0; k < children.length; k++) {
    const wait = shutdownChild(st, children[k]);
    if (wait !== null) return wait.then(() => shutdownSeq(st, children.slice(k + 1)) ?? undefined);
  }
  return null;
}

/**
 * Stops one child as OTP does: unlink, monitor, `exit(child, "shutdown")`, and `kill` if it has not exited
 * within its shutdown time. Returns null when the child died at once.
 */
function shutdownChild(st: State, child: Child): Promise<void> | null {
  const pid = child.pid!;
  child.pid = null;
  if (!isAlive(pid)) return null;
  const rt = st.rt;
  st.act(() => unlink(pid));
  // As in OTP: a child that is itself a supervisor gets all the time its own children need.
  const shutdown = child.spec.shutdown ?? (supervisors.has(pid) ? "infinity" : 5000);
  if (shutdown === "brutal_kill") {
    st.act(() => exit(pid, "kill"));
    return null;
  }
  let done!: () => void;
  const dead = new Promise<void>((r) => {
    done = r;
  });
  const m = rt.watch(pid, () => done());
  st.act(() => exit(pid, "shutdown"));
  if (!isAlive(pid) || m === null) return null;
  if (shutdown === "infinity") return dead;
  const timer = rt.clock.setTimeout(() => {
    if (isAlive(pid)) st.act(() => exit(pid, "kill"));
  }, shutdown);
  return dead.then(() => rt.clock.clearTimeout(timer));
}

/** Runs `next` now, or after `wait` settles: keeps the sync path free of promises. */
function then<T>(wait: Promise<void> | null, next: () => T): T | Promise<Awaited<T>> {
  return wait === null ? next() : (wait.then(next) as Promise<Awaited<T>>);
}

/** Supervisors: start children in order, restart them by strategy, stop them in reverse order. */
export const Supervisor = {
  /**
   * Starts a supervisor and its children (in order); returns its pid. Called from inside a process, the
   * supervisor is linked to the caller (its parent), so an exit from the parent shuts it down in order.
   */
  start(spec: SupervisorSpec, opts: { name?: string } = {}): Pid {
    checkSpec(spec);
    return runtime().spawn(supervisor, spec, {
      trapExit: true,
      link: currentProc() !== null,
      name: opts.name,
    });
  },

  /** The children, in start order, with their current pids (null while not running). */
  whichChildren(sup: Pid | string): Promise<{ id: string; pid: Pid | null }[]> {
    return call(sup, { op: "which_children" });
  },

  /** Its strategy, limits and children with their restart counts (for dashboards). */
  info(sup: Pid | string): Promise<SupervisorInfo> {
    return call(sup, { op: "info" });
  },

  /** Whether `pid` is a supervisor started by `Supervisor.start` (alive or not). */
  isSupervisor(pid: Pid): boolean {
    return supervisors.has(pid);
  },

  /** Stops the supervisor: its children stop in reverse start order, then it exits with `reason`. */
  async stop(sup: Pid | string, reason: ExitReason = "shutdown"): Promise<void> {
    const pid = typeof sup === "string" ? runtime().whereis(sup) : sup;
    if (pid === undefined || !isAlive(pid)) return;
    const down = new Promise<void>((r) => runtime().watch(pid, () => r()));
    await call(pid, { op: "stop", reason }, Number.POSITIVE_INFINITY).catch(() => undefined);
    await down;
  },
};

function checkSpec(spec: SupervisorSpec): void {
  if (typeof spec !== "object" || spec === null || !Array.isArray(spec.children)) {
    throw new TypeError(`Supervisor.start: expected { children: [...] }, got ${describeValue(spec)}`);
  }
  const strategies = ["one_for_one", "one_for_all", "rest_for_one"];
  if (spec.strategy !== undefined && !strategies.includes(spec.strategy)) {
    throw new TypeError(`Supervisor.start: strategy must be one of ${strategies.join(", ")}`);
  }
  if (spec.intensity !== undefined && !(Number.isInteger(spec.intensity) && spec.intensity >= 0)) {
    throw new TypeError("Supervisor.start: intensity must be an integer >= 0");
  }
  if (spec.period !== undefined && !(typeof spec.period === "number" && spec.period > 0)) {
    throw new TypeError("Supervisor.start: period must be a number of milliseconds > 0");
  }
  const ids = new Set<string>();
  for (const c of spec.children) {
    if (typeof c?.id !== "string" || typeof c.start !== "function") {
      throw new TypeError(`Supervisor.start: each child needs an id (string) and a start function`);
    }
    if (ids.has(c.id)) throw new TypeError(`Supervisor.start: duplicate child id ${JSON.stringify(c.id)}`);
    ids.add(c.id);
    const r = c.restart;
    if (r !== undefined && r !== "permanent" && r !== "transient" && r !== "temporary") {
      throw new TypeError(
        `Supervisor.start: child ${c.id}: restart must be permanent, transient or temporary`,
      );
    }
  }
}
