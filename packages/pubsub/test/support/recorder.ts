import type { Pid, Runtime, SpawnOptions } from "@cinder/actors";

/** A process that records every message it gets, in order. */
export interface Recorder<T = unknown> {
  readonly pid: Pid;
  readonly got: T[];
}

/** Spawns a {@link Recorder} on `rt` (with `opts`, e.g. `{ trapExit: true }`). */
export function recorder<T = unknown>(rt: Runtime, opts?: SpawnOptions): Recorder<T> {
  const got: T[] = [];
  const pid = rt.spawn(
    {
      init: () => null,
      handleInfo: (m: T, s: null) => {
        got.push(m);
        return s;
      },
    },
    undefined,
    opts,
  );
  return { pid, got };
}
