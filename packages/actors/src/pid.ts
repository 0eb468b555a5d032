import { describeValue } from "./describe.js";

/**
 * The process record a live pid points to (not part of the API: only `Pid`'s internal `_p` uses it). A pid and its record point at each other, and this file
 * sits below everything else in the package: so the record's type is declared here empty and filled in by
 * process.ts (`interface ProcRecord extends Proc`, by module augmentation), and no import runs upward.
 */
// biome-ignore lint/suspicious/noEmptyInterface: a forward declaration, completed in process.ts
export interface ProcRecord {}

/**
 * A process identifier. Opaque and comparable: `a.equals(b)`, and `String(pid)` is stable, like `<node.42>`.
 * A pid stays valid after its process exits; sending to it is then a no-op.
 */
export class Pid {
  /** @internal The live process, or null once it has exited (so a dead process can be collected). */
  _p: ProcRecord | null;

  /** @internal Pids are made by `spawn`, or by a codec for a remote process (`_p` null). */
  constructor(
    /** The name of the node (runtime) the process lives on. */
    readonly node: string,
    /** The process number, unique within its node. */
    readonly id: number,
    proc: ProcRecord | null,
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

  /**
   * For codecs: call it for each pid encoded to leave this node (`jsonCodec` does). While its process lives, a
   * message sent back to this pid from another node finds it. A no-op for a dead or remote pid, or when the
   * runtime is not distributed.
   */
  markExported(): void {
    const p = this._p;
    if (p !== null) p.rt.exportProc(p);
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

  /**
   * The pid of a process on another node, as a codec decodes it (`@cinder/pubsub`'s Redis adapter): sending to
   * it from here is a no-op, and it equals the original.
   */
  static remote(node: string, id: number, creation = 0): Pid {
    return new Pid(node, id, null, creation);
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
    throw new TypeError(`${fn}: expected a Pid, got ${describeValue(value)}`);
  }
}
