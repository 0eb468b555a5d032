import { type Pid, self, send } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { defineLiveView, html } from "../src/index.js";
import { liveIsolated } from "../src/testing.js";
import { crashReports } from "./support/crash_reports.js";

// A view whose handleInfo is a plain function runs it without a promise per message; one whose
// handleInfo (or handleParams) is async keeps the async path. Either way pushes from the client run in an
// async handler, where self() works after an await.

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("view processes with sync and async handleInfo", () => {
  test("a sync handleInfo renders every message, in order, and self() works in it", async () => {
    const seen: string[] = [];
    let owner: Pid | null = null;
    const View = defineLiveView<{ n: number; me: string }>({
      mount(_p, _s, socket) {
        socket.assign({ n: 0, me: "" });
        if (socket.connected) {
          owner = self();
          send(self(), { kind: "hello" });
        }
      },
      handleInfo(msg: { kind: string; n?: number }, socket) {
        seen.push(msg.n === undefined ? msg.kind : `${msg.kind} ${msg.n}`);
        if (msg.kind === "hello") socket.assign({ me: String(self()) });
        if (msg.kind === "set") socket.assign({ n: msg.n! });
      },
      render: ({ n, me }) => html`<p>${n}</p><i>${me}</i>`,
    });
    const view = await liveIsolated(View);
    await view.waitFor("<i>&lt;local.");
    for (let i = 1; i <= 50; i++) send(owner!, { kind: "set", n: i });
    await view.waitFor("<p>50</p>");
    expect(seen).toEqual(["hello", ...Array.from({ length: 50 }, (_, i) => `set ${i + 1}`)]);
    view.close();
  });

  test("a sync handleInfo that returns a promise still renders after it settles", async () => {
    let owner: Pid | null = null;
    const View = defineLiveView<{ n: number }>({
      mount(_p, _s, socket) {
        socket.assign({ n: 0 });
        if (socket.connected) owner = self();
      },
      handleInfo(msg: number, socket) {
        return tick().then(() => {
          socket.assign({ n: msg });
        });
      },
      render: ({ n }) => html`<p>${n}</p>`,
    });
    const view = await liveIsolated(View);
    for (let i = 1; i <= 5; i++) send(owner!, i);
    expect(await view.waitFor("<p>5</p>")).toBe("<p>5</p>");
    view.close();
  });

  test("an async handleInfo keeps self() after await; a sync one's view still gets async events with self()", async () => {
    const AsyncInfo = defineLiveView<{ who: string }>({
      mount(_p, _s, socket) {
        socket.assign({ who: "" });
        if (socket.connected) send(self(), "go");
      },
      async handleInfo(_msg: string, socket) {
        await tick();
        socket.assign({ who: String(self()) });
      },
      async handleEvent(_e, _v, socket) {
        await tick();
        socket.assign({ who: `event ${String(self())}` });
      },
      render: ({ who }) => html`<p>${who}</p>`,
    });
    const a = await liveIsolated(AsyncInfo);
    await a.waitFor("<p>&lt;local.");
    expect(await a.click("x")).toContain("event &lt;local.");
    a.close();

    const SyncInfo = defineLiveView<{ who: string }>({
      mount(_p, _s, socket) {
        socket.assign({ who: "" });
      },
      handleInfo(_msg: string, socket) {
        socket.assign({ who: "info" });
      },
      async handleEvent(_e, _v, socket) {
        await tick();
        socket.assign({ who: `event ${String(self())}` });
      },
      render: ({ who }) => html`<p>${who}</p>`,
    });
    const b = await liveIsolated(SyncInfo);
    expect(await b.click("x")).toContain("event &lt;local.");
    b.close();
  });

  test("a sync handleInfo that throws crashes the view (the client gets phx_error)", async () => {
    let owner: Pid | null = null;
    const View = defineLiveView<{ n: number }>({
      mount(_p, _s, socket) {
        socket.assign({ n: 0 });
        if (socket.connected) owner = self();
      },
      handleInfo() {
        throw new Error("boom (expected by the test)");
      },
      render: ({ n }) => html`<p>${n}</p>`,
    });
    const crash = crashReports();
    const view = await liveIsolated(View, crash);
    send(owner!, "x");
    await expect(view.waitFor("never", 15_000)).rejects.toThrow(/crashed/);
    expect(crash.reports.some((r) => r.includes("crashed: Error: boom (expected by the test)"))).toBe(true);
  });
});
