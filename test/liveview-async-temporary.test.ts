/**
 * Async assigns and temporary assigns over a real websocket: what the frames carry.
 */
import { type AsyncResult, asyncResult, defineLiveView, html, keyed } from "@cinder/liveview";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchPage, RawClient, type Started, startEndpoint } from "./helpers/liveview.js";

let release: (() => void) | null = null;

const Org = defineLiveView<{ org: AsyncResult<string>; clicks: number }>({
  name: "Org",
  mount(_p, _s, socket) {
    socket.assign({ clicks: 0 }).assignAsync("org", async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return { org: "Acme" };
    });
  },
  events: { click: (_v, socket) => void socket.update("clicks", (n) => n + 1) },
  render: ({ org, clicks }) =>
    html`<p>${clicks}</p>${asyncResult(org, { loading: () => html`<i>loading</i>`, ok: (o) => html`<b>${o}</b>` })}`,
});

const Chat = defineLiveView<{ messages: string[]; n: number }>({
  name: "Chat",
  temporaryAssigns: { messages: [] },
  mount(_p, _s, socket) {
    socket.assign({ n: 0 });
  },
  events: {
    say: (v, socket) => {
      socket.assign({ messages: [String(v.text)] }).update("n", (n) => n + 1);
    },
  },
  render: ({ messages, n }) =>
    html`<ul id="m" phx-update="append">${messages.map((m, i) => keyed(`${n}-${i}`, html`<li id="m${n}">${m}</li>`))}</ul>`,
});

let it: Started;
beforeAll(async () => {
  it = await startEndpoint(() => ({ "/org": Org, "/chat": Chat }));
});
afterAll(() => it.endpoint.close());

describe("over a real websocket", () => {
  test("assignAsync: the join carries the loading state, events are answered meanwhile, a diff brings the value", async () => {
    const page = await fetchPage(it.base, "/org");
    expect(page.html).toContain("<i>loading</i>");
    const client = await RawClient.connect(it.base, page);
    const join = await client.join(page, "1", { url: `${it.base}/org` });
    expect(JSON.stringify(join.response.rendered)).toContain("loading");
    const topic = `lv:${page.id}`;
    const click = await client.push("1", "2", topic, "event", { type: "click", event: "click", value: {} });
    expect(click.response.diff).toEqual({ "0": "1" });
    release!();
    const diff = await client.next((f) => f[3] === "diff");
    expect(JSON.stringify(diff[4])).toContain("Acme");
    client.close();
  });

  test("temporary assigns: each reply carries only the new entry", async () => {
    const page = await fetchPage(it.base, "/chat");
    const client = await RawClient.connect(it.base, page);
    await client.join(page, "1", { url: `${it.base}/chat` });
    const topic = `lv:${page.id}`;
    const say = (ref: string, text: string) =>
      client.push("1", ref, topic, "event", { type: "click", event: "say", value: { text } });
    const first = JSON.stringify((await say("2", "hello")).response.diff);
    const second = JSON.stringify((await say("3", "world")).response.diff);
    expect(first).toContain("hello");
    expect(second).toContain("world");
    expect(second).not.toContain("hello");
    client.close();
  });
});
