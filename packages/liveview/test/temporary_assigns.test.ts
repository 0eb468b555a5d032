import { self } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { describe, expect, test } from "vitest";
import { settledHeap } from "../../../test/helpers/heap.js";
import { defineLiveView, html, keyed } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";

interface Message {
  id: number;
  text: string;
}

let pubsub: PubSub | undefined;

function chat(temporary: boolean) {
  return defineLiveView<{ messages: Message[]; count: number }>({
    name: temporary ? "TempChat" : "KeptChat",
    ...(temporary ? { temporaryAssigns: { messages: [] } } : {}),
    mount(_p, _s, socket) {
      socket.assign({ count: 0 });
      if (!temporary) socket.assign({ messages: [] });
      if (socket.connected) pubsub?.subscribe(self(), "room");
    },
    // A chat's messages arrive as broadcasts (a client's own events are rate-limited per socket).
    handleInfo(msg: { payload: { text: string } }, socket) {
      const message = { id: socket.assigns.count + 1, text: msg.payload.text };
      if (temporary) socket.assign({ messages: [message] });
      else socket.update("messages", (m) => [...m, message]);
      socket.update("count", (n) => n + 1);
    },
    events: {
      say: (v, socket) => {
        const message = { id: socket.assigns.count + 1, text: String(v.text) };
        // With temporary assigns only the new message is assigned; the client appends it.
        if (temporary) socket.assign({ messages: [message] });
        else socket.update("messages", (m) => [...m, message]);
        socket.update("count", (n) => n + 1);
      },
      noop: () => {},
    },
    render: ({ messages, count }) =>
      html`<ul id="msgs" phx-update="append">${messages.map((m) =>
        keyed(m.id, html`<li id="m-${m.id}">${m.text}</li>`),
      )}</ul><p>count ${count}</p>`,
  });
}

describe("temporary assigns", () => {
  test("reset after each render, without counting as a change", async () => {
    const view = await liveIsolated(chat(true));
    expect(view.html()).toContain('<ul id="msgs" phx-update="append"></ul>');
    await view.click("say", { text: "one" });
    const html2 = await view.click("say", { text: "two" });
    // Only the new message travelled in the diff (the browser appends it to what it shows).
    expect(html2).toContain('<li id="m-2">two</li>');
    expect(html2).not.toContain("one");
    // A callback that assigns nothing renders nothing: the reset is not a change.
    expect(await view.click("noop")).toContain('<li id="m-2">two</li>');
    view.close();
  });

  test("also settable on the socket", async () => {
    const View = defineLiveView<{ items: string[] }>({
      mount(_p, _s, socket) {
        socket.setTemporaryAssigns({ items: [] }).assign({ items: ["a", "b"] });
      },
      events: { add: (v, socket) => void socket.assign({ items: [String(v.x)] }) },
      render: ({ items }) =>
        html`<div phx-update="append" id="l">${items.map((i) => html`<b id="${i}">${i}</b>`)}</div>`,
    });
    const view = await liveIsolated(View);
    expect(view.html()).toContain('<b id="a">a</b><b id="b">b</b>');
    expect(await view.click("add", { x: "c" })).toContain(
      '<div phx-update="append" id="l"><b id="c">c</b></div>',
    );
    view.close();
    expect(() => defineLiveView({ mount() {}, render: () => html``, temporaryAssigns: [] as never })).toThrow(
      /temporaryAssigns must be an object/,
    );
  });

  test("10,000 appends keep the heap bounded (and the same view without them does not)", async () => {
    const text = "x".repeat(1000);
    async function growth(temporary: boolean, total: number): Promise<number> {
      pubsub = await PubSub.start({ name: `temporary-${temporary}` });
      const view = await liveIsolated(chat(temporary), { pubsub });
      const append = async (from: number, to: number) => {
        for (let i = from; i < to; i += 500) {
          for (let j = i; j < i + 500; j++) view.endpoint.broadcast("room", "msg", { text: `${text}${j}` });
          await view.waitFor(`count ${i + 500}<`, 30_000);
        }
      };
      await append(0, 500);
      const before = await settledHeap();
      await append(500, total);
      const after = await settledHeap();
      expect(view.html()).toContain(`count ${total}<`);
      view.close();
      await pubsub.stop();
      return after - before;
    }
    const temp = await growth(true, 10_000);
    // Kept, 1,500 more messages of ~1 KB already weigh megabytes (twice: the view's list and the client's
    // copy); and re-rendering a growing list makes each append slower, so the comparison stops there.
    const kept = await growth(false, 2_000);
    expect(kept).toBeGreaterThan(2_000_000);
    expect(temp).toBeLessThan(1_000_000);
    console.log(`heap growth: temporary, 9,500 appends: ${temp} B; kept, 1,500 appends: ${kept} B`);
  }, 120_000);
});
