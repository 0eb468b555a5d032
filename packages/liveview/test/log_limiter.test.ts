import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { LogLimiter } from "../src/log_limiter.js";
import { clip, createLogger, quote } from "../src/logger.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function limiter(lines = 3, intervalMs = 1000) {
  const out: string[] = [];
  const log = new LogLimiter(
    createLogger({ level: "info", write: (l) => out.push(l) }),
    { lines, intervalMs },
    "this test",
  );
  return { log, out };
}

describe("LogLimiter", () => {
  test("writes the first N lines of an interval, then one summary when it ends, then N again", () => {
    const { log, out } = limiter();
    for (let i = 0; i < 10; i++) log.log("warn", `line ${i}`);
    expect(out).toEqual(["[warn] line 0", "[warn] line 1", "[warn] line 2"]);
    vi.advanceTimersByTime(1000);
    expect(out.slice(3)).toEqual(["[warn] 7 more log lines from this test suppressed in the last 1 s"]);
    for (let i = 10; i < 15; i++) log.log("info", `line ${i}`);
    expect(out.slice(4)).toEqual(["[info] line 10", "[info] line 11", "[info] line 12"]);
    log.flush();
    expect(out.at(-1)).toBe("[warn] 2 more log lines from this test suppressed in the last 1 s");
    // Nothing suppressed: no summary, and no timer left behind.
    log.flush();
    expect(out).toHaveLength(8);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a quiet interval needs no timer; lines below the logger's level are neither written nor counted", () => {
    const { log, out } = limiter(2);
    log.log("debug", "dropped");
    log.log("info", "a");
    log.log("info", "b");
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    log.log("info", "c");
    expect(out).toEqual(["[info] a", "[info] b", "[info] c"]);
  });
});

describe("clip and quote", () => {
  test("cut a client's value at 100 characters with a marker saying how much more there was", () => {
    expect(clip("short")).toBe("short");
    expect(clip("x".repeat(100))).toBe("x".repeat(100));
    expect(clip("x".repeat(1234))).toBe(`${"x".repeat(100)}…[1134 more characters]`);
    expect(quote(`a"\n${"b".repeat(200)}`)).toBe(
      JSON.stringify(`a"\n${"b".repeat(97)}…[103 more characters]`),
    );
    expect(quote(undefined)).toBe('"undefined"');
  });
});
