import { type Behaviour, isAlive, type Pid, runtime, self, spawn } from "@cinder/actors";

/**
 * An object that is not a process (a PubSub, an Endpoint) made to live and die with one, so that a supervisor
 * can restart it: the object is created in its owning process's `init` and disposed of when that process
 * exits, for whatever reason. Even `exit(owner, "kill")`, which runs no `terminate`, is seen: the runtime's
 * `watch` fires on every exit. The supervisor then starts a new owner, which creates a new object.
 *
 * While there is no object (between a death and the restart), `current` is null and `ready()` waits.
 */
export class SupervisedObject<T> {
  #value: T | null = null;
  #waiters: ((value: T) => void)[] = [];
  /** Settles when the last object is disposed of: a new one is created only after (a Redis node name is freed). */
  #disposed: Promise<void> = Promise.resolve();
  #first: T | null;

  /**
   * @param name the owner's registered name (so that tests and operators can find it)
   * @param create makes the object (may be async; a throw crashes the owner, and the supervisor decides)
   * @param dispose releases it; never throws
   * @param first an object created before the supervisor started, adopted by the first owner (so that
   *   start-up errors reach the caller of `startApp` directly)
   */
  constructor(
    readonly name: string,
    private readonly create: () => T | Promise<T>,
    private readonly dispose: (value: T) => void | Promise<void>,
    first: T | null = null,
  ) {
    this.#first = first;
  }

  /** The live object, or null while its owner is restarting. */
  get current(): T | null {
    return this.#value;
  }

  /** The live object, once there is one. */
  ready(): Promise<T> {
    if (this.#value !== null) return Promise.resolve(this.#value);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Settles once the previous objects have been disposed of. */
  disposed(): Promise<void> {
    return this.#disposed;
  }

  /** A child spec's `start`: spawns the owner (registered as `name`), which creates the object. */
  readonly start = (): Pid => {
    const pid = spawn(ownerBehaviour as Behaviour<SupervisedObject<T>, unknown, SupervisedObject<T>>, this, {
      name: this.name,
    });
    runtime().watch(pid, () => this.#release());
    return pid;
  };

  /** @internal Runs in the owner's init. */
  async adopt(owner: Pid): Promise<void> {
    let value = this.#first;
    this.#first = null;
    if (value === null) {
      await this.#disposed;
      value = await this.create();
    }
    // Killed while creating: the watch has run already and found nothing to dispose of; do it here.
    if (!isAlive(owner)) {
      this.#disposed = Promise.resolve(this.dispose(value)).catch(() => undefined);
      return;
    }
    this.#value = value;
    for (const w of this.#waiters.splice(0)) w(value);
  }

  #release(): void {
    const value = this.#value;
    this.#value = null;
    if (value !== null) {
      const prev = this.#disposed;
      this.#disposed = prev.then(() => this.dispose(value)).catch(() => undefined);
    }
  }
}

/** The owner: creates the object in `init`, then only waits for its end. */
const ownerBehaviour: Behaviour<SupervisedObject<unknown>, unknown, SupervisedObject<unknown>> = {
  async init(owned) {
    await owned.adopt(self());
    return owned;
  },
};
