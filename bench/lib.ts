/** Small helpers shared by the benchmarks: timing, medians, heap readings and a plain-text table. */

import os from "node:os";
import type { Pid, Runtime } from "@cinder/actors";

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `runs` times and returns the median of what it returns. */
export async function medianOf(runs: number, fn: () => Promise<number> | number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await fn());
  return median(xs);
}

/** Forces a full GC when node runs with --expose-gc (the bench scripts do). */
export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/** Heap in use after a full GC. */
export function heapUsed(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

/** Formats a rate like `15.2M/s`. */
export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  return `${perSecond.toFixed(0)}/s`;
}

/** Prints rows as an aligned Markdown table (so it pastes straight into a README). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  console.log(`\n### ${title}\n`);
  for (const l of tableLines(header, rows)) console.log(l);
}

/** The lines of an aligned Markdown table: header, rule, rows. */
export function tableLines(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)];
}

/** One line naming the machine, for the README. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves on the next macrotask (lets the event loop breathe between runs). */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Spawns the one-to-one benchmarks' producer: on each "go" it sends the next 1,000 of `n` numbers to
 * `consumer`, then sends itself "go" again, so the scheduler interleaves it with the consumer.
 */
export function spawnProducer(rt: Runtime, consumer: Pid, n: number): Pid {
  const producer: Pid = rt.spawn({
    init: () => 0,
    handleInfo(_go: "go", sent: number) {
      const end = Math.min(sent + 1000, n);
      for (let i = sent; i < end; i++) rt.send(consumer, i);
      if (end < n) rt.send(producer, "go");
      return end;
    },
  });
  return producer;
}

/** Epoch milliseconds with sub-millisecond resolution: one clock for every process of the machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The `p`th percentile (0-100) of `xs`, nearest rank below. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Seconds since `t0` (a `performance.now()` reading). */
export function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}
