/**
 * A client that loops an event with no handler (crash, rejoin, crash...) over a real websocket: each crash
 * is logged through the socket's rate limit and counted against its error budget, so the loop ends with the
 * socket closed (1008) and the log holds a bounded number of lines.
 */
import { defineLiveView, html } from "@cinder/liveview";
import { afterEach, expect, test } from "vitest";
import { fetchPage, RawClient, type Started, startEndpoint } from "./helpers/liveview.js";

const LINES = 5;
const started: Started[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.endpoint.close(1000)));
});

const View = defineLiveView({
  name: "Quiet",
  mount() {},
  events: { known() {} },
  render: () => html`<p>quiet</p>`,
});

test("a crash loop of unknown events closes the socket with 1008; the log lines stay bounded", async () => {
  const s = await startEndpoint(() => ({ "/": View }), { logRate: { lines: LINES, intervalMs: 60_000 } });
  started.push(s);
  const page = await fetchPage(s.base);
  const c = await RawClient.connect(s.base, page);
  const topic = `lv:${page.id}`;
  let loops = 0;
  for (; loops < 100; loops++) {
    const joinRef = String(2 * loops + 1);
    const joined = await c.join(page, joinRef).catch(() => null);
    if (joined === null || joined.status !== "ok") break;
    c.send([joinRef, String(2 * loops + 2), topic, "event", { type: "click", event: "nope", value: {} }]);
    const end = await c.next((f) => f[3] === "phx_error" || f[3] === "phx_close").catch(() => null);
    if (end === null) break;
    expect(end[3]).toBe("phx_error");
  }
  expect((await c.closed).code).toBe(1008);
  // Each loop costs the client two errors of its budget (20 in 10 s): the unknown event and the crash.
  expect(loops).toBeGreaterThanOrEqual(1);
  expect(loops).toBeLessThanOrEqual(11);
  const lines = s.logs.filter((l) => l.includes('Quiet has no handler for event "nope"'));
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines.length).toBeLessThanOrEqual(LINES);
  expect(lines[0]).toMatch(/^\[error\] /);
});
