/** Bounded mailboxes: what each overflow policy does when a process falls behind. */
import { type ExitReason, receive, send } from "@cinder/actors";
import { describe, expect, test } from "vitest";
import { blocked, gate, quietRuntime, settle } from "./support/helpers.js";

describe("bounded mailboxes", () => {
  test("drop-newest discards arriving messages while the mailbox is full", async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2 } }); // drop-newest is the default
    send(p, 0);
    await settle(rt); // 0 is being handled; the mailbox is empty
    for (let i = 1; i <= 4; i++) send(p, i);
    g.open();
    await settle(rt);
    expect(handled).toEqual([0, 1, 2]);
    expect(rt.isAlive(p)).toBe(true);
  });

  test("drop-oldest discards the oldest queued message to make room", async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2, onOverflow: "drop-oldest" } });
    send(p, 0);
    await settle(rt);
    for (let i = 1; i <= 4; i++) send(p, i);
    g.open();
    await settle(rt);
    expect(handled).toEqual([0, 3, 4]);
  });

  test('"exit" kills the process with reason "mailbox_overflow"', async () => {
    const { rt } = quietRuntime();
    const handled: unknown[] = [];
    const g = gate();
    let reason: ExitReason;
    const p = rt.spawn(blocked(handled, g), undefined, { mailbox: { max: 2, onOverflow: "exit" } });
    rt.watch(p, (r) => {
      reason = r;
    });
    send(p, 0);
    await settle(rt);
    send(p, 1);
    send(p, 2);
    expect(rt.isAlive(p)).toBe(true);
    send(p, 3);
    expect(rt.isAlive(p)).toBe(false);
    expect(reason!).toBe("mailbox_overflow");
    g.open();
    await settle(rt);
    expect(handled).toEqual([0]);
  });

  test("a function process's mailbox is bounded too; a message taken by a waiting receive is not queued", async () => {
    const { rt } = quietRuntime();
    const got: unknown[] = [];
    const g = gate();
    const p = rt.spawn(
      async () => {
        got.push(await receive()); // waiting: takes "first" directly
        await g.promise;
        for (;;) got.push(await receive());
      },
      undefined,
      { mailbox: { max: 2 } },
    );
    send(p, "first");
    await settle(rt);
    for (const m of ["a", "b", "c"]) send(p, m);
    g.open();
    await settle(rt);
    expect(got).toEqual(["first", "a", "b"]);
  });
  test.each(["drop-newest", "drop-oldest", "exit"] as const)(
    "a receive waiting with a full mailbox still gets the message it waits for (%s)",
    async (onOverflow) => {
      const { rt } = quietRuntime();
      const got: unknown[] = [];
      const p = rt.spawn(
        async () => {
          got.push(await receive((m) => m === "reply"));
          got.push(await receive(), await receive());
        },
        undefined,
        { mailbox: { max: 2, onOverflow } },
      );
      send(p, "noise1");
      send(p, "noise2");
      await settle(rt);
      send(p, "reply"); // taken by the waiting receive: it never sits in the (full) mailbox
      await settle(rt);
      expect(got).toEqual(["reply", "noise1", "noise2"]);
      expect(rt.isAlive(p)).toBe(false); // returned normally
    },
  );
});
