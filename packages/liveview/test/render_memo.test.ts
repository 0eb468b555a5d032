import { self } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { defineLiveView, html } from "../src/index.js";
import { renderToString } from "../src/render/rendered.js";
import { liveIsolated } from "../src/testing/index.js";
import { memoRender, RenderMemo } from "../src/view/render_memo.js";

describe("RenderMemo", () => {
  test("hits only for the very same values under the same keys, in the same order", () => {
    const m = new RenderMemo();
    const r = html`<p>${1}</p>`;
    const d = { x: 1 };
    expect(m.get({ a: 1 })).toBeNull();
    m.set({ a: 1, d }, r);
    expect(m.get({ a: 1, d })).toBe(r);
    expect(m.get({ a: 1, d: { x: 1 } })).toBeNull(); // equal but not the same object
    expect(m.get({ a: 2, d })).toBeNull();
    expect(m.get({ a: 1 })).toBeNull();
    expect(m.get({ a: 1, d, e: undefined })).toBeNull();
    expect(m.get({ d, a: 1 })).toBeNull();
    expect(m.get({ a: Number.NaN, d })).toBeNull();
  });

  test("memoRender always returns what render would for those assigns", () => {
    let calls = 0;
    const view = defineLiveView<{ a: unknown; b: unknown }>({
      mount() {},
      render: ({ a, b }) => {
        calls++;
        return html`<p>${String(a)}|${String(b)}</p>`;
      },
    });
    const shared = { deep: 1 };
    const value = fc.constantFrom<unknown>(0, 1, "x", "", shared, { deep: 1 }, null);
    fc.assert(
      fc.property(fc.array(fc.record({ a: value, b: value }), { maxLength: 30 }), (list) => {
        for (const assigns of list) {
          const out = renderToString(memoRender(view, assigns));
          expect(out).toBe(`<p>${String(assigns.a)}|${String(assigns.b)}</p>`);
        }
      }),
    );
    expect(calls).toBeGreaterThan(0);
  });
});

describe("views sharing a render after a broadcast", () => {
  test("each view shows its own assigns, whether or not they equal another view's", async () => {
    const pubsub = await PubSub.start({ name: `render-memo-${Math.random()}` });
    const View = defineLiveView<{ step: string; mine: string }>({
      mount(params, _s, socket) {
        socket.assign({ step: "-", mine: String(params.who ?? "") });
        if (socket.connected) pubsub.subscribe(self(), "steps");
      },
      handleInfo(msg: { step: string; mine?: string; only?: string }, socket) {
        if (msg.only !== undefined && msg.only !== socket.assigns.mine) return;
        socket.assign({ step: msg.step });
        if (msg.mine !== undefined) socket.assign({ mine: msg.mine });
      },
      render: ({ step, mine }) => html`<p>${step}</p><i>${mine}</i>`,
    });
    const views = await Promise.all([
      liveIsolated(View, { pubsub }),
      liveIsolated(View, { pubsub }),
      liveIsolated(View, { pubsub, path: "/?who=b" }),
    ]);
    const [a1, a2, b] = views;
    pubsub.broadcast("steps", { step: "Creating org" });
    for (const v of views) await v.waitFor("Creating org");
    expect(a1.html()).toBe("<p>Creating org</p><i></i>");
    expect(a2.html()).toBe("<p>Creating org</p><i></i>");
    expect(b.html()).toBe("<p>Creating org</p><i>b</i>");
    pubsub.broadcast("steps", { step: "Creating repo", only: "b" });
    pubsub.broadcast("steps", { step: "Done!" });
    for (const v of views) await v.waitFor("Done!");
    expect(a1.html()).toBe("<p>Done!</p><i></i>");
    expect(b.html()).toBe("<p>Done!</p><i>b</i>");
    pubsub.broadcast("steps", { step: "Done!", mine: "a", only: "" });
    await a1.waitFor("<i>a</i>");
    await a2.waitFor("<i>a</i>");
    expect(b.html()).toBe("<p>Done!</p><i>b</i>");
    for (const v of views) v.close();
    await pubsub.stop();
  });
});
