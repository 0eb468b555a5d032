import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NO_FLASH } from "../src/flash.js";
import { DiffTracker } from "../src/render/diff.js";
import { html } from "../src/render/rendered.js";
import { applyStream, ClientTree, type StreamChild, type StreamInsert } from "../src/testing/client_tree.js";
import { Components } from "../src/view/components.js";
import type { LiveStream } from "../src/view/stream.js";
import { ViewSocket } from "../src/view/view_socket.js";
import { ClientView } from "./support/client.js";

// Law: for any sequence of renders, each making random stream calls (stream with or without reset, inserts
// at 0, -1 or an index, with positive or negative limits, update-only inserts, deletes by item and by DOM
// id) and sometimes changing only another assign, merging our diffs with the official phoenix_live_view
// 1.2.12 client (rendered.js) gives, per render, exactly the stream operations and inserted entries that,
// applied as the DOM patch applies them, leave the page holding what Phoenix's stream semantics say:
// per render, a reset empties the stream, then deletes remove, then each insert updates in place or adds
// at its position and trims to its limit. The harness's ClientTree shows the same page.

type Op =
  | { t: "stream"; ids: number[]; reset: boolean; at: number; limit: number | undefined }
  | { t: "insert"; id: number; at: number; limit: number | undefined; updateOnly: boolean }
  | { t: "delete"; id: number }
  | { t: "deleteDom"; id: number };

interface Step {
  ops: Op[];
  other: string;
}

const id = fc.integer({ min: 0, max: 9 });
const at = fc.constantFrom(-1, -1, 0, 1, 2, 5);
const limit = fc.constantFrom(undefined, undefined, 2, 3, -2, -3);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("stream" as const),
    ids: fc.uniqueArray(id, { maxLength: 4 }),
    reset: fc.boolean(),
    at,
    limit,
  }),
  fc.record({ t: fc.constant("insert" as const), id, at, limit, updateOnly: fc.boolean() }),
  fc.record({ t: fc.constant("delete" as const), id }),
  fc.record({ t: fc.constant("deleteDom" as const), id }),
);

/** At most one operation per id in a render (a reset first, if any): the client batches a render's ops. */
const step: fc.Arbitrary<Step> = fc
  .record({ ops: fc.array(op, { maxLength: 4 }), other: fc.constantFrom("a", "b") })
  .map(({ ops, other }) => {
    const seen = new Set<number>();
    const kept: Op[] = [];
    for (const o of ops) {
      const ids = o.t === "stream" ? o.ids : [o.id];
      if (ids.some((i) => seen.has(i))) continue;
      if (o.t === "stream" && o.reset && kept.length > 0) continue;
      for (const i of ids) seen.add(i);
      kept.push(o);
    }
    return { ops: kept, other };
  });

interface Row {
  id: number;
  v: number;
}

const render = ({ streams, other }: Readonly<{ streams: { rows: LiveStream<Row> }; other: string }>) =>
  html`<div><b>${other}</b><ul id="rows" phx-update="stream">${streams.rows.map(
    ([domId, r]) => html`<li id="${domId}">${r.v}</li>`,
  )}</ul></div>`;

/** The page Phoenix's semantics give: per render, reset, then deletes, then each insert in turn. */
function reference(page: StreamChild[], ops: readonly Op[], version: number): StreamChild[] {
  let out = [...page];
  // A child a reset removed and this render inserts again is restored, even by an update-only insert.
  const before = new Set(page.map((c) => c.id));
  const reset = ops.some((o) => o.t === "stream" && o.reset);
  const deletes = ops
    .filter((o) => o.t === "delete" || o.t === "deleteDom")
    .map((o) => `rows-${(o as { id: number }).id}`);
  if (reset) out = [];
  out = out.filter((c) => !deletes.includes(c.id));
  const add = (rowId: number, where: number, lim: number | undefined, updateOnly: boolean) => {
    const domId = `rows-${rowId}`;
    const child = { id: domId, html: `<li id="${domId}">${version}</li>` };
    const i = out.findIndex((c) => c.id === domId);
    if (i >= 0) {
      out[i] = child;
      return;
    }
    if (updateOnly && !(reset && before.has(domId))) return;
    if (where === 0) out.unshift(child);
    else if (where < 0 || where >= out.length) out.push(child);
    else out.splice(where, 0, child);
    if (lim !== undefined && lim < 0 && out.length > -lim) out = out.slice(out.length + lim);
    if (lim !== undefined && lim >= 0 && out.length > lim) out = out.slice(0, lim);
  };
  for (const o of ops) {
    if (o.t === "stream") for (const i of o.ids) add(i, o.at, o.limit, false);
    else if (o.t === "insert") add(o.id, o.at, o.limit, o.updateOnly);
  }
  return out;
}

function replay(steps: readonly Step[]): void {
  const socket = new ViewSocket<{ streams: { rows: LiveStream<Row> }; other: string }>(
    "phx-test",
    true,
    new URL("http://localhost/"),
    {},
    NO_FLASH,
  );
  const tracker = new DiffTracker(new Components(socket, "View"));
  socket.assign({ other: "a" });
  socket.stream("rows", []);
  const join = tracker.render(render(socket.assigns));
  socket.clearChanges();
  const official = new ClientView(join);
  const ours = new ClientTree();
  ours.merge(JSON.parse(JSON.stringify(join)));
  // The page as the DOM patch leaves it, from what the official client hands the patch.
  const dom = new Map<string, StreamChild[]>();
  let expected: StreamChild[] = [];
  steps.forEach((s, version) => {
    for (const o of s.ops) {
      const row = (i: number) => ({ id: i, v: version });
      if (o.t === "stream")
        socket.stream("rows", o.ids.map(row), { reset: o.reset, at: o.at, limit: o.limit });
      else if (o.t === "insert")
        socket.streamInsert("rows", row(o.id), { at: o.at, limit: o.limit, updateOnly: o.updateOnly });
      else if (o.t === "delete") socket.streamDelete("rows", row(o.id));
      else socket.streamDeleteByDomId("rows", `rows-${o.id}`);
    }
    socket.assign({ other: s.other });
    const diff = socket.changed.size > 0 ? tracker.diff(render(socket.assigns)) : null;
    socket.clearChanges();
    expected = reference(expected, s.ops, version);
    if (diff === null) return;
    official.apply(diff);
    ours.merge(JSON.parse(JSON.stringify(diff)));
    const { buffer, streams } = official.render();
    const entries = [...buffer.matchAll(/<li id="[^"]*">[^<]*<\/li>/g)].map((m) => m[0]);
    let offset = 0;
    for (const stream of streams as [string, StreamInsert[], string[], unknown][]) {
      const [ref, inserts, deletes, reset] = stream;
      applyStream(
        dom,
        ref,
        inserts,
        deletes,
        reset !== undefined,
        entries.slice(offset, offset + inserts.length),
      );
      offset += inserts.length;
    }
    // The rendered buffer carries exactly the inserted entries, one per insert.
    expect(offset).toBe(entries.length);
    expect([...dom.values()].flat()).toEqual(expected);
    expect(ours.html()).toBe(
      `<div><b>${s.other}</b><ul id="rows" phx-update="stream">${expected.map((c) => c.html).join("")}</ul></div>`,
    );
  });
}

describe("streams merged by the official client", () => {
  // Hundreds of generated runs: seconds alone, far more on a loaded machine; the run count is the check.
  test("leave the page as Phoenix's stream semantics say, through inserts, deletes, resets and limits", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => replay(steps)),
      { numRuns: 400 },
    );
  }, 60_000);

  test("the server keeps no entries: once sent, a stream's items are gone from its state", () => {
    const socket = new ViewSocket<any>("phx-test", true, new URL("http://localhost/"), {}, NO_FLASH);
    socket.stream("rows", [{ id: 1, v: 1 }]);
    expect([...socket.assigns.streams.rows]).toEqual([["rows-1", { id: 1, v: 1 }]]);
    socket.clearChanges();
    expect([...socket.assigns.streams.rows]).toEqual([]);
  });
});
