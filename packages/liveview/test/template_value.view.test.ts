import { describe, expect, test } from "vitest";
import { type Dynamic, defineComponent, defineLiveView, html, liveComponent } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";
import { crashReports } from "./support/crash_reports.js";

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not reached in 30 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const Items = defineLiveView<{ items: unknown }>({
  name: "ItemsView",
  mount(_params, session, socket) {
    socket.assign({ items: session.bad === true ? Promise.resolve([]) : "none" });
  },
  events: {
    load(_value, socket) {
      // The mistake: a promise assigned instead of its result.
      socket.assign({ items: Promise.resolve(["a"]) });
    },
  },
  render: ({ items }) => html`<section><h1>Items</h1><p>${items as Dynamic}</p></section>`,
});

describe("a value a template cannot render", () => {
  test("in the diff path: the view crashes with a TypeError naming the view and the place", async () => {
    const crash = crashReports();
    const view = await liveIsolated(Items, crash);
    expect(view.html()).toContain("none");
    await expect(view.click("load")).rejects.toThrow(/crashed/);
    await until(() => crash.reports.some((l) => l.includes("cannot interpolate")));
    const line = crash.reports.find((l) => l.includes("cannot interpolate"))!;
    expect(line).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the template's placeholder
      'TypeError: ItemsView: cannot interpolate a Promise into a template at dynamic 0 of "<section><h1>Items</h1><p>${…}</p></section>" (await it in mount or a handler and assign the result)',
    );
  });

  test("in the dead render: the page is not served, and the error names the view and the place", async () => {
    const crash = crashReports();
    const err = await liveIsolated(Items, { ...crash, session: { bad: true } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(
      /^ItemsView: cannot interpolate a Promise into a template at dynamic 0 of /,
    );
  });
});

describe("a value a component's template cannot render", () => {
  const Badge = defineComponent<{ label: unknown }>({
    name: "Badge",
    mount(socket) {
      socket.assign({ label: "ok" });
    },
    events: {
      load(_value, socket) {
        socket.assign({ label: Promise.resolve("later") });
      },
    },
    render: ({ id, label, myself }) =>
      html`<span id="${id}" phx-click="load" phx-target="${myself}">${label as Dynamic}</span>`,
  });
  const Host = defineLiveView<{ bad: boolean }>({
    name: "HostView",
    mount(_params, session, socket) {
      socket.assign({ bad: session.bad === true });
    },
    render: ({ bad }) =>
      html`<main>${liveComponent(Badge, bad ? { id: "b", label: { no: 1 } } : { id: "b" })}</main>`,
  });

  test("the live diff names the view, the component and the place", async () => {
    const crash = crashReports();
    const view = await liveIsolated(Host, crash);
    await expect(view.component("b").click("load")).rejects.toThrow(/crashed/);
    await until(() => crash.reports.some((l) => l.includes("cannot interpolate")));
    expect(crash.reports.find((l) => l.includes("cannot interpolate"))).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the template's placeholder
      'TypeError: HostView: component Badge (id "b"): cannot interpolate a Promise into a template at dynamic 2 of "\\">${…}</span>" (await it',
    );
  });

  test("the dead render names them too", async () => {
    const err = await liveIsolated(Host, { ...crashReports(), session: { bad: true } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^HostView: component Badge \(id "b"\): cannot interpolate a plain object \(\{ no \}\) into a template at dynamic 2 of /,
    );
  });
});
