/** What passes between the coordinator and a pool of fake browsers (over IPC, or in-process). */
import type { Target } from "./http.js";

/** What a pool is told to do. */
export interface PoolConfig {
  /** Which generator this is (0-based); names it in reports. */
  worker: number;
  target: Target;
  clients: number;
  /** Connects (GET + websocket + join) in flight at once. */
  concurrency: number;
  /** Heartbeat period per client (phoenix.js: 30 000 ms), spread evenly over the clients. */
  heartbeatMs: number;
  /** Fraction of clients cut (socket destroyed, no close frame) when this pool first sees step `cutAtStep`. */
  cutFraction: number;
  cutAtStep: number;
}

/** Commands from the coordinator. */
export type PoolCommand =
  | { type: "connect"; upTo?: number }
  | { type: "clock"; samples: number }
  | { type: "arm" }
  | { type: "results" }
  | { type: "close" };

/** Reports to the coordinator. */
export type PoolEvent =
  | { type: "ready"; worker: number }
  | { type: "progress"; worker: number; joined: number; failed: number }
  | {
      type: "connected";
      worker: number;
      joined: number;
      failed: number;
      start: number;
      end: number;
      joinMs: number[];
    }
  | { type: "clock"; worker: number; offsetMs: number; rttMs: number }
  | { type: "step"; worker: number; step: number; at: number }
  | { type: "results"; worker: number; results: PoolResults }
  | { type: "closed"; worker: number };

/** Everything a pool measured. `arrivals[step][i]` is NaN when client `i` never got that step. */
export interface PoolResults {
  worker: number;
  clients: number;
  /** Clients that joined. */
  joined: number;
  /** Clients cut on purpose (excluded from the step figures). */
  cut: number[];
  /** Per step, per client: epoch ms of arrival. */
  arrivals: Float64Array[];
  /** Per step: wire length of the step's frame -> how many clients got a frame of that length. */
  wireBytes: Record<string, number>[];
  /** Per step: payload length (the JSON text) -> count. */
  payloadBytes: Record<string, number>[];
  /** Anything that went wrong: connect failures, unexpected closes, steps missing, out of order, repeated. */
  errors: string[];
  errorCount: number;
  /** Clients whose connection ended without our asking (after joining). */
  dropped: number;
  /** Frames received after joining, by kind. */
  frames: { steps: number; otherDiffs: number; replies: number; other: number };
  /** Between `arm` and `results`: this process's CPU time and event-loop utilisation (1 = saturated). */
  cpuMs: number;
  wallMs: number;
  elu: number;
  /** Event-loop utilisation during the step fan-outs only (first arrival to last, per step). */
  fanoutElu: number;
}
