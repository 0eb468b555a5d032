import type { Proc } from "./process.js";

/**
 * A process identifier. Opaque and comparable: `a.equals(b)`, and `String(pid)` is stable, like `<node.42>`.
 * A pid stays valid after its process exits; sending to it is then a no-op.
 */
export class Pid {
  /** @internal The live process, or null once it has exited (so a dead process can be collected). */
  _p: Proc | null;

  /** @internal Pids are made by `spawn`, or by a codec for a remote process (`_p` null). */
  constructor(
    /** The name of the node (runtime) the process lives on. */
    readonly node: string,
    /** The process number, unique within its node. */
    readonly id: number,
    proc: Proc | null,
    /**
     * Which incarnation of the node, as Erlang's "creation": a random number per runtime, so that two Node
     * processes whose runtimes share a name (every default runtime is called "local") never have equal pids.
     */
    readonly creation = 0,
  ) {
    this._p = proc;
  }

  /** True when `other` names the same process. */
  equals(other: unknown): boolean {
    return (
      other === this ||
      (other instanceof Pid &&
        other.id === this.id &&
        other.node === this.node &&
        other.creation === this.creation)
    );
  }

  toString(): string {
    return `<${this.node}.${this.id}>`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Pid${this.toString()}`;
  }
}

let nextRef = 0;

/** A unique reference, as made by `monitor` and `call`. Compare with `===`. */
export class Ref {
  /** @internal */
  readonly id = ++nextRef;

  toString(): string {
    return `#Ref<${this.id}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Throws a TypeError unless `value` is a Pid. */
export function assertPid(value: unknown, fn: string): asserts value is Pid {
  if (!(value instanceof Pid)) {
    throw new TypeError(`${fn}: expected a Pid, got ${describe(value)}`);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  return `${typeof value} ${String(value)}`;
}
