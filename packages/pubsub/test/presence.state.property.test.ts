/**
 * L27 on the CRDT alone: merging views of one replica's presences is commutative, associative and
 * idempotent, and deltas delivered in any order, lost, or twice, with a transfer for each gap, reach the
 * writer's state. Also the diff batch's net-diff rule.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DiffBatch } from "../src/presence/batch.js";
import { type Delta, mergePartition, type PartitionView, PresenceState } from "../src/presence/state.js";

/** A join or a leave; `send` ends the delta window after it (else the next op shares its delta). */
type Op = ({ join: true; key: string } | { join: false; pick: number }) & { send: boolean };

const ops = fc.array(
  fc.oneof(
    fc.record({ join: fc.constant(true as const), key: fc.constantFrom("a", "b", "c"), send: fc.boolean() }),
    fc.record({ join: fc.constant(false as const), pick: fc.nat(), send: fc.boolean() }),
  ),
  { maxLength: 40 },
);

/** Runs `history` on a writer, taking a snapshot after each op and the deltas the ops ask for. */
function play(history: Op[]): { writer: PresenceState; views: PartitionView[]; deltas: Delta[] } {
  const writer = new PresenceState("w");
  const views: PartitionView[] = [writer.snapshot()];
  const deltas: Delta[] = [];
  for (const op of history) {
    if (op.join) writer.join("t", op.key, (c) => ({ phx_ref: `r${c}` }));
    else {
      const live = writer.entriesOf("w");
      if (live.length > 0) writer.leave(live[op.pick % live.length].clock);
    }
    views.push(writer.snapshot());
    const d = op.send ? writer.takeDelta() : null;
    if (d !== null) deltas.push(d);
  }
  const last = writer.takeDelta();
  if (last !== null) deltas.push(last);
  return { writer, views, deltas };
}

const canon = (v: PartitionView) => ({ clock: v.clock, dots: [...v.items.keys()].sort((x, y) => x - y) });

describe("presence CRDT", () => {
  it("L27: merge is commutative, associative and idempotent, and the newer view wins", () => {
    fc.assert(
      fc.property(ops, fc.nat(), fc.nat(), fc.nat(), (history, i, j, k) => {
        const { views } = play(history);
        const [a, b, c] = [views[i % views.length], views[j % views.length], views[k % views.length]];
        expect(canon(mergePartition(a, b))).toEqual(canon(mergePartition(b, a)));
        expect(canon(mergePartition(mergePartition(a, b), c))).toEqual(
          canon(mergePartition(a, mergePartition(b, c))),
        );
        expect(canon(mergePartition(a, a))).toEqual(canon(a));
        expect(canon(mergePartition(a, b))).toEqual(canon(a.clock >= b.clock ? a : b));
      }),
    );
  });

  it("L27: deltas reordered, lost and duplicated, with transfers of earlier states in between, reach the writer's state", () => {
    fc.assert(
      fc.property(
        ops,
        fc.array(fc.record({ i: fc.nat(), fate: fc.constantFrom("deliver", "lose", "dup", "snapshot") })),
        (history, schedule) => {
          const { writer, views, deltas } = play(history);
          const reader = new PresenceState("r");
          const pending = [...deltas];
          for (const s of schedule) {
            if (s.fate === "snapshot") {
              // A transfer of the writer's state at some earlier moment, landing between deltas.
              reader.applyTransfer("w", views[s.i % views.length]);
              continue;
            }
            if (pending.length === 0) break;
            const at = s.i % pending.length;
            const d = pending[at];
            if (s.fate !== "dup") pending.splice(at, 1);
            if (s.fate !== "lose") reader.applyDelta("w", d);
          }
          for (const d of pending) reader.applyDelta("w", d);
          if (reader.seen("w") < writer.clock) reader.applyTransfer("w", writer.snapshot());
          const dots = (s: PresenceState, r: string) =>
            s
              .entriesOf(r)
              .map((e) => e.meta.phx_ref)
              .sort();
          expect(dots(reader, "w")).toEqual(dots(writer, "w"));
          expect(reader.seen("w")).toBe(writer.clock);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("DiffBatch", () => {
  it("a leave and a join of the same presence in one tick cancel out; others pass as they are", () => {
    const s = new PresenceState("w");
    const e1 = s.join("t", "k", (c) => ({ phx_ref: `r${c}` }));
    const e2 = s.join("t", "k", (c) => ({ phx_ref: `r${c}` }));
    const b = new DiffBatch();
    b.add([], [e1]);
    b.add([e1, e2], []);
    const out = b.take().get("t")!;
    expect(out.joins).toEqual([e2]);
    expect(out.leaves).toEqual([]);
    expect(b.empty).toBe(true);
  });
});
