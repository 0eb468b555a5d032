import { describe, expect, test } from "vitest";
import { defineLiveView, html, liveRender } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";
import { crashReports } from "./support/crash_reports.js";

let terminated: string[] = [];

const Child = defineLiveView<{ n: number; who: string }>({
  name: "HarnessChild",
  mount(params, session, socket) {
    socket.assign({ n: Number(params.start ?? 0), who: String(session.who) });
  },
  events: { inc: (_v, socket) => void socket.update("n", (n) => n + 1) },
  terminate: (_reason, socket) => void terminated.push(socket.assigns.who),
  render: ({ n, who }) => html`<span>${who}: ${n}</span>`,
});

const Parent = defineLiveView<{ show: boolean; who: string }>({
  name: "HarnessParent",
  mount(_p, _s, socket) {
    socket.assign({ show: true, who: "ann" });
  },
  events: {
    hide: (_v, socket) => void socket.assign({ show: false }),
    rename: (_v, socket) => void socket.assign({ who: "bob" }),
    boom: () => {
      throw new Error("parent crash");
    },
  },
  render: ({ show, who }) =>
    html`<h1>parent</h1>${show && liveRender(Child, { id: "kid", session: { who } })}${liveRender(Child, {
      id: "pin",
      session: { who: "pinned" },
      sticky: true,
    })}`,
});

describe("liveRender through the harness", () => {
  test("the child has its own process and diffs; the parent's re-render leaves it alone", async () => {
    const view = await liveIsolated(Parent, { path: "/?start=5" });
    expect(view.html()).toContain('<div id="kid" data-phx-session="');
    const kid = await view.liveChild("kid");
    expect(kid.html()).toBe("<span>ann: 5</span>");
    expect(await kid.click("inc")).toBe("<span>ann: 6</span>");
    // The parent's re-render keeps the child's container as it was (same token: nothing sent for it)...
    const container = /<div id="kid"[^>]*>/.exec(view.html())![0];
    await view.click("rename");
    expect(/<div id="kid"[^>]*>/.exec(view.html())![0]).not.toBe(container); // ...unless its session changed
    expect(kid.html()).toBe("<span>ann: 6</span>"); // the running child keeps its state
    await view.click("hide");
    expect(view.html()).not.toContain('id="kid"');
    view.close();
  });

  test("a nested child stops with its parent, a sticky one does not", async () => {
    terminated = [];
    const { runtime, logger } = crashReports();
    const view = await liveIsolated(Parent, { runtime, logger });
    const kid = await view.liveChild("kid");
    const pin = await view.liveChild("pin");
    await view.click("boom").catch(() => {});
    await expect.poll(() => kid.status, { timeout: 30_000 }).toBe("closed");
    expect(pin.status).toBe("joined");
    expect(await pin.click("inc")).toBe("<span>pinned: 1</span>");
    await expect.poll(() => terminated, { timeout: 30_000 }).toContain("ann");
    expect(terminated).not.toContain("pinned");
    view.close();
  });

  test("mistakes speak up", async () => {
    const { runtime, logger } = crashReports();
    const Nameless = defineLiveView({ mount() {}, render: () => html`x` });
    const Bad = defineLiveView({
      name: "Bad",
      mount() {},
      render: () => html`${liveRender(Nameless, { id: "n" })}`,
    });
    await expect(liveIsolated(Bad, { runtime, logger })).rejects.toThrow(/needs a name/);
    expect(() => liveRender(Child, { id: "x" })).toThrow(/inside a live view's render/);
  });
});
