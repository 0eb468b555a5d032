/**
 * Bounded mailboxes (`spawn(..., { mailbox: { max, onOverflow } })`, an opt-in beyond Erlang), checked against
 * a model: a receiver handles one message at a time and holds each until the test lets it go, while bursts of
 * messages arrive. Whatever the bound, the policy and the interleaving of bursts and handled messages:
 * - the mailbox never holds more than `max` messages (the one in hand does not count);
 * - `drop-newest` keeps the oldest `max` queued and discards arrivals; `drop-oldest` discards the oldest queued
 *   to make room; `exit` kills the process with `"mailbox_overflow"` on the first arrival past `max`;
 * - what is handled is exactly what the model says, in order (no loss beyond the policy, no duplication).
 */
import { type Behaviour, type ExitReason, send } from "@cinder/actors";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { quietRuntime, settle } from "./support/helpers.js";

type Policy = "drop-newest" | "drop-oldest" | "exit";
type Op = { burst: number } | { handle: true };

/** What the runtime should do, step by step. */
class Model {
  inHand: number | null = null;
  queue: number[] = [];
  handled: number[] = [];
  alive = true;
  reason: ExitReason | null = null;

  constructor(
    readonly max: number,
    readonly policy: Policy,
  ) {}

  arrive(v: number): void {
    if (!this.alive) return;
    if (this.queue.length < this.max) {
      this.queue.push(v);
      return;
    }
    if (this.policy === "drop-oldest") {
      this.queue.shift();
      this.queue.push(v);
    } else if (this.policy === "exit") {
      this.alive = false;
      this.reason = "mailbox_overflow";
      this.queue = [];
      this.inHand = null;
    }
  }

  /** The scheduler runs: an idle process takes its next message. */
  run(): void {
    if (this.alive && this.inHand === null && this.queue.length > 0) {
      this.inHand = this.queue.shift()!;
      this.handled.push(this.inHand);
    }
  }

  finish(): void {
    if (this.alive) this.inHand = null;
    this.run();
  }
}

const ops = fc.array(
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ burst: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 3, arbitrary: fc.constant({ handle: true as const }) },
  ),
  { maxLength: 25 },
);

describe("bounded mailboxes", () => {
  test("a bounded mailbox follows its policy (drop-newest, drop-oldest, exit) under any interleaving", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<Policy>("drop-newest", "drop-oldest", "exit"),
        ops,
        async (max, policy, script: Op[]) => {
          const { rt } = quietRuntime();
          const model = new Model(max, policy);
          const handled: number[] = [];
          // Each handled message waits for the test to release it, so mail piles up meanwhile.
          let release: () => void = () => {};
          const receiver: Behaviour<null, number> = {
            init: () => null,
            handleInfo: async (m, s) => {
              handled.push(m);
              await new Promise<void>((r) => {
                release = r;
              });
              return s;
            },
          };
          const pid = rt.spawn(receiver, undefined, { mailbox: { max, onOverflow: policy } });
          let reason: ExitReason | null = null;
          rt.watch(pid, (r) => {
            reason = r;
          });
          let next = 0;
          for (const op of script) {
            if ("burst" in op) {
              // A burst: sent in one go, before the receiver can run.
              for (let i = 0; i < op.burst; i++) {
                send(pid, next);
                model.arrive(next++);
              }
              model.run();
            } else {
              release();
              release = () => {};
              model.finish();
            }
            await settle(rt);
            expect(handled).toEqual(model.handled);
            expect(rt.isAlive(pid)).toBe(model.alive);
            expect(reason).toBe(model.reason);
            if (model.alive) expect(pid._p!.count).toBe(model.queue.length);
            expect(model.queue.length).toBeLessThanOrEqual(max);
          }
          release();
          await settle(rt);
        },
      ),
      { numRuns: 150 },
    );
  });
});
