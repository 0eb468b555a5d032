/**
 * The deploy demo's secret (`SECRET_KEY_BASE`): a production node without one refuses to start and says
 * how to make one; a development node starts on the public development secret with one warning line.
 * Real `node apps/deploy-demo/dist/main.js` processes, as `npm start` runs them.
 */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { readConfig } from "../apps/deploy-demo/src/config.js";
import { assertDemoBuilt, DEMO_MAIN, startDemo } from "./helpers/demo.js";

/** Runs the demo with exactly `env` (plus PATH) and resolves with its exit code and output. */
function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  assertDemoBuilt();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO_MAIN], {
      env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    // A node that started is a failure of these tests: stop it rather than let it run.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("the deploy demo's SECRET_KEY_BASE", () => {
  test("NODE_ENV=production without SECRET_KEY_BASE exits non-zero, naming the variable and how to make one", async () => {
    const { code, output } = await runDemo({ NODE_ENV: "production" });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toContain("SECRET_KEY_BASE is not set");
    expect(output).toContain("openssl rand -base64 48");
    expect(output).not.toContain("Cinder deploy demo: node");
    // A message, not a stack trace.
    expect(output).not.toMatch(/\n\s+at /);
  });

  test("a too short SECRET_KEY_BASE, or the public development one in production, is refused by name", async () => {
    const short = await runDemo({ NODE_ENV: "production", SECRET_KEY_BASE: "too-short" });
    expect(short.code).not.toBe(0);
    expect(short.output).toMatch(/SECRET_KEY_BASE must be at least 32 characters/);
    expect(() =>
      readConfig({ NODE_ENV: "production", SECRET_KEY_BASE: readConfig({ NODE_ENV: "test" }).secret }),
    ).toThrow(/SECRET_KEY_BASE is the public development secret/);
    const secret = "x".repeat(64);
    expect(readConfig({ NODE_ENV: "production", SECRET_KEY_BASE: secret }).secret).toBe(secret);
  });

  test("development without SECRET_KEY_BASE starts and prints exactly one warning line about it", async () => {
    const warnings: string[] = [];
    readConfig({ NODE_ENV: "development" }, (line) => warnings.push(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[warn\] SECRET_KEY_BASE is not set: .*openssl rand -base64 48/);

    const node = await startDemo({ env: { NODE_ENV: "development", SECRET_KEY_BASE: "" } });
    try {
      // stderr and stdout are separate pipes: wait for the warning rather than assume it came first.
      await node.waitForLine("SECRET_KEY_BASE");
      expect((await fetch(node.url)).status).toBe(200);
      expect(node.matching("SECRET_KEY_BASE")).toHaveLength(1);
    } finally {
      await node.stop();
    }
  });
});
