/** The deploy's steps, in order, and how a client recognises each one's diff. */

/** The deploy's steps, in order. */
export const STEPS = ["create-org", "create-repo", "push-contents", "done"] as const;

/** The status text each step shows, in the same order. */
const STEP_MARKERS = ['"Creating org"', '"Creating repo"', '"Pushing contents"', '"Done!"'];

/** The index of the step a diff's text shows, or -1 when it shows none. */
export function stepOf(text: string): number {
  for (let s = 0; s < STEP_MARKERS.length; s++) if (text.includes(STEP_MARKERS[s])) return s;
  return -1;
}
