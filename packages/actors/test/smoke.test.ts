import { describe, expect, it } from "vitest";
import { call, createRuntime, receive, reply, self, send, spawn, Supervisor, exit, whereis, sendAfter } from "@cinder/actors";

describe("smoke", () => {
  it("behaviour and function processes talk", async () => {
    const got: unknown[] = [];
    const counter = spawn({ init: (n: number) => n, handleInfo: (m: string, n: number) => (got.push(m), n + 1), handleCall: (_r: "get", _f, n: number) => reply(n, n) }, 0);
    send(counter, "a"); send(counter, "b");
    expect(await call(counter, "get")).toBe(2);
    const echo = spawn(async () => { const m = await receive<{ from: any; v: number }>(); send(m.from, m.v * 2); await receive(); });
    const res = await new Promise((resolve) => {
      spawn(async () => { send(echo, { from: self(), v: 21 }); resolve(await receive()); });
    });
    expect(res).toBe(42);
  });
  it("supervisor restarts", async () => {
    let starts = 0;
    const sup = Supervisor.start({ children: [{ id: "w", start: () => { starts++; return spawn({ init: () => 0, handleInfo: () => { throw new Error("boom"); } }, undefined, { name: "w" }); } }] });
    send("w", "x");
    await new Promise((r) => setTimeout(r, 10));
    expect(starts).toBe(2);
    expect(whereis("w")).toBeDefined();
    await Supervisor.stop(sup);
    expect(whereis("w")).toBeUndefined();
  });
});
