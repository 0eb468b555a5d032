/**
 * Cinder nodes in their own Node processes, for multi-node tests: `NodeProcess.spawn(fixture)` forks a fixture
 * (an .mjs file under test/fixtures that answers `{ id, cmd, ...args }` messages) and `call` runs a command in
 * it. Fixtures import the BUILT packages: `ensureBuilt()` runs `tsc -b` when the sources are newer than dist
 * (as after an edit, when vitest runs alone; `npm test` builds first).
 */

import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the packages a fixture imports when their sources are newer than their dist. */
export function ensureBuilt(pkgs = ["actors", "pubsub"]): void {
  const stale = pkgs.some((pkg) => {
    try {
      return statSync(`${root}packages/${pkg}/dist/index.js`).mtimeMs < newest(`${root}packages/${pkg}/src`);
    } catch {
      return true;
    }
  });
  if (stale)
    execFileSync("npx", ["tsc", "-b", ...pkgs.map((p) => `packages/${p}`)], { cwd: root, stdio: "inherit" });
}

/** A node in a child process: `call(cmd, args)` runs a command in it. */
export class NodeProcess {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: { id: number; value?: unknown; error?: { name: string; message: string } }) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      else w.resolve(m.value);
    });
    proc.on("exit", () => {
      for (const w of this.waiting.values()) w.reject(new Error("the node process exited"));
      this.waiting.clear();
    });
  }

  /** Forks `fixture` (a path) and resolves once it said it is ready. */
  static async spawn(fixture: string): Promise<NodeProcess> {
    const proc = fork(fixture, [], {
      cwd: root,
      // Not the test worker's flags and NODE_OPTIONS (vitest's own); source maps so a stack names .ts lines.
      execArgv: ["--enable-source-maps"],
      env: { ...process.env, NODE_OPTIONS: "" },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      proc.once("message", () => resolve());
      proc.once("exit", (code) => reject(new Error(`node process exited early (${code})`)));
    });
    return new NodeProcess(proc);
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  call<T = unknown>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    // The request's own fields: an argument of the same name would replace them (and the call would hang).
    if ("id" in args || "cmd" in args)
      throw new TypeError(`NodeProcess.call(${cmd}): an argument may not be named "id" or "cmd"`);
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.proc.send({ id, cmd, ...args });
    });
  }

  /** Kills the process with SIGKILL (no goodbye to anyone) and resolves when it is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const gone = new Promise((r) => this.proc.once("exit", r));
    this.proc.kill("SIGKILL");
    await gone;
  }

  /** Asks the node to stop (bounded wait), then makes sure the process is gone. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    await Promise.race([this.call("stop").catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    await this.kill();
  }
}
