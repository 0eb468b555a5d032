import type { Step } from "./steps.js";

/** What every node knows about the current (or last) deploy. Broadcast as the payload of every step. */
export interface Deployment {
  /** Unique per deploy: `<node>-<start time>`. */
  id: string;
  /** The node whose process runs the steps. */
  node: string;
  status: "running" | "done" | "failed";
  step: Step;
  /** The status line: "Creating org", ..., "Done!", or "Failed: ...". */
  text: string;
  /** Epoch ms (sub-millisecond precision) when the deploy started. */
  startedAt: number;
  /** When each step started, ms since `startedAt`. */
  times: Partial<Record<Step, number>>;
  /** Set by a node that called this deploy failed because its node went silent (a guess, not the runner's word). */
  lost?: true;
}
