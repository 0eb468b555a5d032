import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Ref } from "../src/pid.js";
import { LinkSet, MonitorTable, type Proc } from "../src/process.js";

// LinkSet and MonitorTable behave as the Set and Map they replace, on either side of the switch from an
// array to a hash table, and iterating one while it changes sees the entries it had when iteration began.

const procs = Array.from({ length: 20 }, (_, i) => ({ id: i }) as unknown as Proc);

describe("LinkSet", () => {
  test("is a Set of processes", () => {
    const op = fc.record({ add: fc.boolean(), p: fc.nat(procs.length - 1) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const ours = new LinkSet();
        const model = new Set<Proc>();
        for (const { add, p } of ops) {
          if (add) {
            ours.add(procs[p]);
            model.add(procs[p]);
          } else expect(ours.delete(procs[p])).toBe(model.delete(procs[p]));
          expect(ours.size).toBe(model.size);
          expect(new Set(ours)).toEqual(model);
          for (const q of procs) expect(ours.has(q)).toBe(model.has(q));
        }
      }),
    );
  });

  test("iteration is over a snapshot, whatever is added or deleted meanwhile", () => {
    for (const n of [3, 8, 12]) {
      const s = new LinkSet();
      for (let i = 0; i < n; i++) s.add(procs[i]);
      const seen: Proc[] = [];
      for (const p of s) {
        seen.push(p);
        s.delete(p);
      }
      expect(seen.length).toBe(n);
      expect(s.size).toBe(0);
    }
  });
});

describe("MonitorTable", () => {
  test("is a Map by ref", () => {
    const refs = Array.from({ length: 20 }, () => new Ref());
    const op = fc.record({ add: fc.boolean(), r: fc.nat(refs.length - 1) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const ours = new MonitorTable<{ ref: Ref; n: number }>();
        const model = new Map<Ref, { ref: Ref; n: number }>();
        ops.forEach(({ add, r }, n) => {
          const ref = refs[r];
          if (add) {
            if (model.has(ref)) return; // refs are unique: a monitor is never added twice
            const m = { ref, n };
            ours.add(m);
            model.set(ref, m);
          } else expect(ours.delete(ref)).toBe(model.delete(ref));
          expect(ours.size).toBe(model.size);
          expect([...ours.values()]).toEqual([...model.values()]);
          for (const x of refs) expect(ours.get(x)).toBe(model.get(x));
        });
      }),
    );
  });
});
