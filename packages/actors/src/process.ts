import type { Behaviour, ExitReason, MailboxLimit } from "./behaviour.js";
import type { Clock } from "./clock.js";
import { Pid, type Ref } from "./pid.js";
import { Ring } from "./ring.js";

/** Process flags, kept as bits of one small integer. */
export const QUEUED = 1; // on the run queue
export const SUSPENDED = 2; // an async callback is pending: do not run, let mail queue
export const DEAD = 4;
export const TRAP_EXIT = 8;
export const FN = 16; // a function process (uses receive), not a behaviour
export const ASYNC_INFO = 32; // handleInfo is an `async` function: run it inside the async context
export const ASYNC_CALL = 64;
export const ASYNC_CAST = 128;
export const ASYNC_TERMINATE = 256;
export const DYING = 512; // terminate is running; the process handles no more messages
export const LIMITED = 1024; // spawned with a mailbox bound (`limit`): delivery checks it

/**
 * What a process needs of the runtime it belongs to. Links, monitors, `call` and timers may cross runtimes, so
 * whoever acts on a process goes through its own runtime for these. (The `Runtime` class implements it; this
 * interface keeps the record from depending on the runtime, which depends on the record.)
 */
export interface ProcRuntime {
  readonly node: string;
  /** See `Pid.creation`. */
  readonly creation: number;
  readonly clock: Clock;
  /** Its scheduler (scheduler.ts): `deliver` queues `msg` in `p`'s mailbox and makes `p` runnable. */
  readonly scheduler: { deliver(p: Proc, msg: unknown): void };
  /** The one place a process dies (see exits.ts). */
  exitProc(p: Proc, reason: ExitReason): void;
  /** Keeps `p` reachable from other nodes while it lives (see `Pid.markExported`). */
  exportProc(p: Proc): void;
}

/** A monitor: `watcher` (a process, or a callback for `watch`) is told when `target` exits. */
export interface Monitor {
  readonly ref: Ref;
  readonly watcher: Proc | ((reason: ExitReason) => void);
  readonly target: Proc;
}

/** A pending `receive` of a function process. */
export interface Waiter {
  match: ((msg: any) => boolean) | undefined;
  resolve: (msg: any) => void;
  reject: (err: unknown) => void;
  timer: unknown;
}

/**
 * The mailbox of every process that has had no message yet: all of them share this empty ring, and delivery
 * gives a process its own at its first message (`Scheduler.deliver`, the one place that pushes), so an idle
 * process carries no ring. Nothing is ever pushed onto it.
 */
export const NO_MAIL: Ring<unknown> = new Ring<unknown>(0);

/**
 * The fields most processes never set (links, monitors, timers, a name, a pending receive, a parent, a mailbox
 * bound), kept in a record of their own made at the first one set: an idle process then carries one null
 * field instead of seven (48 bytes less), and one that sets any pays 32 bytes more.
 */
class Extras {
  links: LinkSet | null = null;
  monitors: MonitorTable<Monitor> | null = null;
  timers: Set<object> | null = null;
  name: string | null = null;
  waiter: Waiter | null = null;
  parent: Proc | null = null;
  limit: CheckedLimit | null = null;
}

/**
 * A process is a plain object driven by its runtime's scheduler: seven fields and its pid, so an idle process
 * costs 136 bytes (plus its behaviour, when it has one of its own). Its mailbox and the fields that most
 * processes never use are made when first needed.
 */
export class Proc {
  /** Its mailbox: `NO_MAIL` until its first message. */
  mail: Ring<unknown> = NO_MAIL;
  flags: number;
  state: unknown = undefined;
  private x: Extras | null = null;
  readonly pid: Pid;

  constructor(
    readonly rt: ProcRuntime,
    id: number,
    readonly beh: Behaviour | null,
    flags: number,
  ) {
    this.flags = flags;
    this.pid = new Pid(rt.node, id, this, rt.creation);
  }

  /** Messages in its mailbox. */
  get count(): number {
    return this.mail.count;
  }

  private get extras(): Extras {
    if (this.x === null) this.x = new Extras();
    return this.x;
  }

  // Each of these reads null until set; setting null where nothing was set makes no record.
  get links(): LinkSet | null {
    return this.x === null ? null : this.x.links;
  }
  set links(v: LinkSet | null) {
    if (v !== null || this.x !== null) this.extras.links = v;
  }
  get monitors(): MonitorTable<Monitor> | null {
    return this.x === null ? null : this.x.monitors;
  }
  set monitors(v: MonitorTable<Monitor> | null) {
    if (v !== null || this.x !== null) this.extras.monitors = v;
  }
  /** Its pending `sendAfter` timers (Timer objects, see timers.ts), cancelled when it exits. */
  get timers(): Set<object> | null {
    return this.x === null ? null : this.x.timers;
  }
  set timers(v: Set<object> | null) {
    if (v !== null || this.x !== null) this.extras.timers = v;
  }
  get name(): string | null {
    return this.x === null ? null : this.x.name;
  }
  set name(v: string | null) {
    if (v !== null || this.x !== null) this.extras.name = v;
  }
  get waiter(): Waiter | null {
    return this.x === null ? null : this.x.waiter;
  }
  set waiter(v: Waiter | null) {
    if (v !== null || this.x !== null) this.extras.waiter = v;
  }
  /** The process that spawned it linked (or the supervisor that adopted it): see the parent rule in dispatch. */
  get parent(): Proc | null {
    return this.x === null ? null : this.x.parent;
  }
  set parent(v: Proc | null) {
    if (v !== null || this.x !== null) this.extras.parent = v;
  }
  get limit(): CheckedLimit | null {
    return this.x === null ? null : this.x.limit;
  }
  set limit(v: CheckedLimit | null) {
    if (v !== null || this.x !== null) this.extras.limit = v;
  }
}

declare module "./pid.js" {
  // Completes the forward declaration in pid.ts: `pid._p` is this record.
  interface ProcRecord extends Proc {}
}

/** A checked mailbox bound (see mailbox.ts). */
export type CheckedLimit = Readonly<Required<MailboxLimit>>;

// A process's links and monitors. Most processes have one or two of each (a connection's processes: a link
// between them, a watch or two on each), and a Set or Map holds a hash table of ~150 bytes even for one
// entry. These tables keep up to SMALL entries in an exact-length array, replaced (not mutated) on each
// change, so iterating one while it changes is safe; past SMALL they switch to a Set or Map for O(1) operations.
const SMALL = 8;

/** The processes linked to one process. */
export class LinkSet implements Iterable<Proc> {
  #list: readonly Proc[] = EMPTY;
  #set: Set<Proc> | null = null;

  get size(): number {
    return this.#set === null ? this.#list.length : this.#set.size;
  }

  has(p: Proc): boolean {
    return this.#set === null ? this.#list.includes(p) : this.#set.has(p);
  }

  add(p: Proc): this {
    if (this.#set !== null) this.#set.add(p);
    else if (!this.#list.includes(p)) {
      if (this.#list.length < SMALL) this.#list = this.#list.concat(p);
      else {
        this.#set = new Set(this.#list).add(p);
        this.#list = EMPTY;
      }
    }
    return this;
  }

  delete(p: Proc): boolean {
    if (this.#set !== null) return this.#set.delete(p);
    if (!this.#list.includes(p)) return false;
    this.#list = this.#list.length === 1 ? EMPTY : this.#list.filter((x) => x !== p);
    return true;
  }

  [Symbol.iterator](): Iterator<Proc> {
    return (this.#set ?? this.#list)[Symbol.iterator]();
  }
}

/** The monitors (and watches) a process holds or is the target of, by ref. */
export class MonitorTable<M extends { readonly ref: Ref }> {
  #list: readonly M[] = EMPTY as readonly M[];
  #map: Map<Ref, M> | null = null;

  get size(): number {
    return this.#map === null ? this.#list.length : this.#map.size;
  }

  get(ref: Ref): M | undefined {
    if (this.#map !== null) return this.#map.get(ref);
    for (const m of this.#list) if (m.ref === ref) return m;
    return undefined;
  }

  /** Adds `m` under `m.ref` (refs are unique: never already there). */
  add(m: M): this {
    if (this.#map !== null) this.#map.set(m.ref, m);
    else if (this.#list.length < SMALL) this.#list = this.#list.concat(m);
    else {
      this.#map = new Map(this.#list.map((x) => [x.ref, x]));
      this.#map.set(m.ref, m);
      this.#list = EMPTY as readonly M[];
    }
    return this;
  }

  delete(ref: Ref): boolean {
    if (this.#map !== null) return this.#map.delete(ref);
    const i = this.#list.findIndex((m) => m.ref === ref);
    if (i < 0) return false;
    this.#list = this.#list.length === 1 ? (EMPTY as readonly M[]) : this.#list.filter((_, j) => j !== i);
    return true;
  }

  values(): Iterable<M> {
    return this.#map === null ? this.#list : this.#map.values();
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
