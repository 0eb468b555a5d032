import { describe, expect, test } from "vitest";
import type { WebSocket } from "ws";
import { Outbox } from "../src/transport/outbox.js";

const a = { name: "a" } as unknown as WebSocket;
const b = { name: "b" } as unknown as WebSocket;
const immediate = () => new Promise((r) => setImmediate(r));

describe("Outbox", () => {
  test("holds frames while the scheduler is busy, then writes them all, in order", async () => {
    const written: (string | Buffer)[] = [];
    let busy = true;
    const box = new Outbox(
      (ws, f) => written.push(`${(ws as any).name}:${f}`),
      () => !busy,
      10_000,
    );
    box.push(a, "1");
    box.push(b, "2");
    box.push(a, "3");
    await immediate();
    await immediate();
    expect(written).toEqual([]);
    expect(box.size).toBe(3);
    busy = false;
    await immediate();
    await immediate();
    expect(written).toEqual(["a:1", "b:2", "a:3"]);
    box.push(b, "4");
    await immediate();
    expect(written).toEqual(["a:1", "b:2", "a:3", "b:4"]);
  });

  test("never holds longer than maxHoldMs", async () => {
    const written: (string | Buffer)[] = [];
    const box = new Outbox(
      (_ws, f) => written.push(f),
      () => false,
      20,
    );
    box.push(a, "x");
    const t0 = performance.now();
    while (written.length === 0 && performance.now() - t0 < 1000) await immediate();
    expect(written).toEqual(["x"]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
  });

  test("flush writes at once, and a later check finds nothing left", async () => {
    const written: (string | Buffer)[] = [];
    const box = new Outbox(
      (_ws, f) => written.push(f),
      () => true,
      50,
    );
    box.push(a, "1");
    box.flush();
    expect(written).toEqual(["1"]);
    await immediate();
    expect(written).toEqual(["1"]);
  });
});
