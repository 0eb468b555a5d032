/**
 * What the workers adapter and the primary's hub say to each other over a worker's IPC channel. Every message
 * carries `cinder: "pubsub"` (other messages on the channel belong to the app and are left alone) and the
 * pubsub's `name` and the worker-side `node` it concerns: one channel may carry several pubsubs.
 */

/** The tag on every message of this protocol. */
export const TAG = "pubsub";

/** Worker to hub. */
export type ToHub =
  /** Claims `node` in the cluster `name`; answered with `joined`. */
  | { cinder: typeof TAG; op: "join"; name: string; node: string; ref: number }
  | { cinder: typeof TAG; op: "leave"; name: string; node: string }
  /** `topic` got its first subscriber on `node` (`sub`), or lost its last one (`unsub`). */
  | { cinder: typeof TAG; op: "sub" | "unsub"; name: string; node: string; topic: string }
  /** Answered with `synced` once everything sent before it is in effect. */
  | { cinder: typeof TAG; op: "sync"; name: string; node: string; ref: number }
  /** An envelope (text) for every other node with subscribers to `topic` (`to` null), or for node `to`. */
  | {
      cinder: typeof TAG;
      op: "send";
      name: string;
      node: string;
      to: string | null;
      topic: string;
      data: string;
    };

/** Hub to worker. */
export type ToWorker =
  | { cinder: typeof TAG; op: "joined"; name: string; node: string; ref: number; ok: boolean }
  | { cinder: typeof TAG; op: "synced"; name: string; node: string; ref: number }
  /** An envelope for `node`, as it came on `channel` (`t:<topic>` or `n:<node>`). */
  | { cinder: typeof TAG; op: "env"; name: string; node: string; channel: string; data: string };

/** The longest pubsub name, node name or topic the hub relays (a receiver applies its own limits after). */
export const MAX_NAME = 4096;

function isName(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_NAME;
}

function isRef(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/** Whether `m` is a message of this protocol at all (others on the channel are the app's). */
export function isTagged(m: unknown): m is { cinder: typeof TAG; op: unknown } {
  return typeof m === "object" && m !== null && (m as { cinder?: unknown }).cinder === TAG;
}

/** The hub's guard: a well-formed message from a worker, or null. */
export function toHub(m: { cinder: typeof TAG; op: unknown }): ToHub | null {
  const o = m as Record<string, unknown>;
  if (!isName(o.name) || !isName(o.node)) return null;
  switch (o.op) {
    case "join":
    case "sync":
      return isRef(o.ref) ? (m as ToHub) : null;
    case "leave":
      return m as ToHub;
    case "sub":
    case "unsub":
      return isName(o.topic) ? (m as ToHub) : null;
    case "send":
      return isName(o.topic) && (o.to === null || isName(o.to)) && typeof o.data === "string"
        ? (m as ToHub)
        : null;
    default:
      return null;
  }
}

/** The worker's guard: a well-formed message from the hub, or null. */
export function toWorker(m: { cinder: typeof TAG; op: unknown }): ToWorker | null {
  const o = m as Record<string, unknown>;
  if (!isName(o.name) || !isName(o.node)) return null;
  switch (o.op) {
    case "joined":
      return isRef(o.ref) && typeof o.ok === "boolean" ? (m as ToWorker) : null;
    case "synced":
      return isRef(o.ref) ? (m as ToWorker) : null;
    case "env":
      return typeof o.channel === "string" && typeof o.data === "string" ? (m as ToWorker) : null;
    default:
      return null;
  }
}
