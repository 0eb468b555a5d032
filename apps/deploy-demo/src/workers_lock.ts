import type { DropCounter, IpcChannel } from "@cinder/pubsub";
import type { DeployLock } from "./deploy_lock.js";

/** The tag of the lock's messages on a worker's IPC channel (the PubSub's share the channel). */
const TAG = "deploy-lock";
/** A worker's lock request waits this long for the primary before it counts as refused. */
const ANSWER_MS = 10_000;
/** The longest owner id and lock time the primary accepts. */
const MAX_OWNER = 200;
const MAX_TTL_MS = 3_600_000;

type Op = "acquire" | "refresh" | "release";
interface LockRequest {
  cinder: typeof TAG;
  op: Op;
  ref: number;
  owner: string;
  ttlMs: number;
}

function isRequest(m: unknown): m is LockRequest {
  const r = m as Partial<LockRequest> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    r.cinder === TAG &&
    (r.op === "acquire" || r.op === "refresh" || r.op === "release") &&
    Number.isSafeInteger(r.ref) &&
    typeof r.owner === "string" &&
    r.owner.length > 0 &&
    r.owner.length <= MAX_OWNER &&
    typeof r.ttlMs === "number" &&
    r.ttlMs >= 0 &&
    r.ttlMs <= MAX_TTL_MS
  );
}

/**
 * The deploy lock of a worker: every worker asks the one lock the primary holds (`serveLock`), so one deploy
 * runs at a time across the workers of the machine. A request the primary does not answer in time (it is
 * exiting) counts as refused.
 */
export function workersLock(channel: IpcChannel): DeployLock {
  let refs = 0;
  const waiting = new Map<number, (ok: boolean) => void>();
  const stop = channel.listen((m) => {
    const a = m as { cinder?: unknown; ref?: unknown; ok?: unknown } | null;
    if (typeof a !== "object" || a === null || a.cinder !== TAG || typeof a.ok !== "boolean") return;
    const resolve = waiting.get(a.ref as number);
    waiting.delete(a.ref as number);
    resolve?.(a.ok);
  });
  const ask = (op: Op, owner: string, ttlMs: number) =>
    new Promise<boolean>((resolve) => {
      const ref = ++refs;
      const timer = setTimeout(() => {
        waiting.delete(ref);
        resolve(false);
      }, ANSWER_MS);
      waiting.set(ref, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      if (!channel.send({ cinder: TAG, op, ref, owner, ttlMs } satisfies LockRequest)) {
        clearTimeout(timer);
        waiting.delete(ref);
        resolve(false);
      }
    });
  return {
    acquire: (owner, ttlMs) => ask("acquire", owner, ttlMs),
    refresh: (owner, ttlMs) => ask("refresh", owner, ttlMs),
    release: async (owner) => {
      await ask("release", owner, 0);
    },
    async close() {
      stop();
      for (const resolve of waiting.values()) resolve(false);
      waiting.clear();
    },
  };
}

/**
 * The primary's side: answers one worker's lock requests from `lock`, the one every worker shares. A
 * malformed request is dropped and counted in `drops` (the worker's request times out as refused). Returns
 * what stops it.
 */
export function serveLock(channel: IpcChannel, lock: DeployLock, drops: DropCounter): () => void {
  return channel.listen((m) => {
    if (!isRequest(m)) {
      if ((m as { cinder?: unknown } | null)?.cinder === TAG)
        drops.drop("deploy-lock", "a deploy lock request of the wrong shape from a worker, dropped");
      return;
    }
    const answer = (ok: boolean) => channel.send({ cinder: TAG, ref: m.ref, ok });
    if (m.op === "acquire") void lock.acquire(m.owner, m.ttlMs).then(answer);
    else if (m.op === "refresh") void lock.refresh(m.owner, m.ttlMs).then(answer);
    else void lock.release(m.owner).then(() => answer(true));
  });
}
