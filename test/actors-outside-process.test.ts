/**
 * `self()` (and any call that acts for the calling process) in a raw timer or callback of a sync handler:
 * no process is running when the callback fires. The runtime must say so clearly and Node must keep running.
 * Each case runs in its own Node process (test/fixtures/outside-process.mjs), without the listeners a test
 * runner installs, so an uncaught exception would really end it.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { ensureBuilt } from "./helpers/node-process.js";

const fixture = fileURLToPath(new URL("./fixtures/outside-process.mjs", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));

function run(scenario: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [fixture, scenario],
      { cwd: root, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(() => ensureBuilt(["actors"]), 120_000);

describe("a context-bound call outside any process", () => {
  for (const scenario of ["setTimeout", "setInterval", "then"]) {
    test(`self() in a ${scenario} callback of a sync handler: a clear error, and Node keeps running`, async () => {
      const r = await run(scenario);
      expect(r.stdout).toContain(
        "[error] uncaught OutsideProcessError: self(): called outside any process. In a timer (setTimeout, setInterval), an event listener or a .then callback of a handler that is not async",
      );
      expect(r.stdout).toContain("wrap the callback with asSelf(fn)");
      // The stack says where the call came from: the fixture's callback.
      expect(r.stdout).toMatch(/at .*outside-process\.mjs:\d+/);
      expect(r.stdout).toContain("(caught by @cinder/actors so that Node keeps running)");
      expect(r.stdout).toContain("alive: still here");
      expect(r.code).toBe(0);
    }, 90_000);
  }

  test("any other uncaught exception still ends Node as it would without Cinder (printed, exit code 1)", async () => {
    const r = await run("foreign");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a plain bug in a timer, not Cinder's");
    expect(r.stdout).not.toContain("alive");
  }, 90_000);
});
