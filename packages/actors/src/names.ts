import { describeValue } from "./describe.js";
import { assertPid, type Pid } from "./pid.js";
import type { Proc, ProcRuntime } from "./process.js";

/** A runtime's name registry. A name is released when its process exits (see exits.ts). */
export class Names {
  readonly #byName = new Map<string, Proc>();

  constructor(private readonly owner: ProcRuntime) {}

  get size(): number {
    return this.#byName.size;
  }

  /** The live process registered as `name`, or undefined. */
  lookup(name: string): Proc | undefined {
    return this.#byName.get(name);
  }

  /** Registers `name` for `pid`. Throws if the name is taken, the pid already has a name, or it is dead. */
  register(name: string, pid: Pid): void {
    this.check(name, "register");
    assertPid(pid, "register");
    const p = pid._p;
    if (p === null) throw new Error(`register: ${pid} is not alive`);
    // As in Erlang (badarg for a remote pid): the name must live in the registry its process's exit clears.
    if (p.rt !== this.owner)
      throw new Error(`register: ${pid} belongs to another runtime; register it there`);
    if (p.name !== null)
      throw new Error(`register: ${pid} is already registered as ${JSON.stringify(p.name)}`);
    this.set(name, p);
  }

  /** Names a process being spawned (its name was checked first). */
  set(name: string, p: Proc): void {
    this.#byName.set(name, p);
    p.name = name;
  }

  /** Frees `name`; returns false if it was not registered. */
  unregister(name: string): boolean {
    const p = this.#byName.get(name);
    if (p === undefined) return false;
    this.release(p);
    return true;
  }

  /** Frees the name of `p`, if it has one. */
  release(p: Proc): void {
    if (p.name === null) return;
    this.#byName.delete(p.name);
    p.name = null;
  }

  /** Throws unless `name` is a non-empty string that is free. */
  check(name: unknown, fn: string): void {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`${fn}: a name must be a non-empty string, got ${describeValue(name)}`);
    }
    if (this.#byName.has(name))
      throw new Error(`${fn}: the name ${JSON.stringify(name)} is already registered`);
  }
}
