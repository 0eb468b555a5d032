/** The article's steps table: each step's status text and the step that follows it. */
export const STEPS = {
  "create-org": { text: "Creating org", next: "create-repo" },
  "create-repo": { text: "Creating repo", next: "push-contents" },
  "push-contents": { text: "Pushing contents", next: "done" },
  done: { text: "Done!", next: null },
} as const;

/** A step name: `create-org`, `create-repo`, `push-contents` or `done`. */
export type Step = keyof typeof STEPS;

/** The first step a deploy runs. */
export const FIRST_STEP: Step = "create-org";

/** The PubSub topic every step is broadcast on. */
export const TOPIC = "deployments";

export function isStep(value: unknown): value is Step {
  return typeof value === "string" && Object.hasOwn(STEPS, value);
}
