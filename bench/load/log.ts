/** The harness's progress lines, all marked `[load]` so they stand apart from the report. */

export type Log = (msg: string) => void;

/** Prints one progress line. */
export const say: Log = (msg) => console.log(`[load] ${msg}`);
