import type { ExitReason, From } from "./behaviour.js";
import type { Clock } from "./clock.js";
import { currentProc, outsideContext } from "./context.js";
import { describeValue } from "./describe.js";
import { unwatch, watch } from "./links.js";
import { Ref } from "./pid.js";
import type { Monitor, Proc } from "./process.js";

// `call` and `cast`: requests to a behaviour's handleCall and handleCast, and the replies to calls.

/** Envelopes that tell a behaviour's calls and casts apart from plain messages (one `instanceof` test). */
export class Envelope {}

export class CallRequest extends Envelope {
  constructor(
    readonly request: unknown,
    readonly from: From,
  ) {
    super();
  }
}

export class CastRequest extends Envelope {
  constructor(readonly request: unknown) {
    super();
  }
}

/** Why a `call` failed. */
export class CallError extends Error {
  override name = "CallError";
  constructor(
    /**
     * `"timeout"`, `"noproc"` (no such process), `"exit"` (it exited first), `"calling_self"`, or
     * `"noconnection"` (its node is down, or went down before it replied).
     */
    readonly kind: "timeout" | "noproc" | "exit" | "calling_self" | "noconnection",
    /** For `"exit"`, the server's exit reason. */
    readonly reason?: ExitReason,
    message?: string,
  ) {
    super(message ?? kind);
  }
}

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: unknown;
  clock: Clock;
  monitor: Monitor | null;
}

/**
 * Calls awaiting a reply, by ref. A reply resolves the caller's promise directly (no mailbox scan), and a reply
 * to a ref no longer here (the call timed out, or its server exited) is dropped, as with OTP 24's aliases.
 */
const pendingCalls = new Map<Ref, PendingCall>();

/** Answers a call later, from a process that returned `noreply(state)`. A late reply is dropped. */
export function replyTo(from: From, value: unknown): void {
  const pc = pendingCalls.get(from.ref);
  if (pc === undefined) return;
  pendingCalls.delete(from.ref);
  pc.clock.clearTimeout(pc.timer);
  if (pc.monitor !== null) unwatch(pc.monitor);
  pc.resolve(value);
}

/**
 * @internal Waits for the reply to a call that came from another node (remote.ts): `onReply` gets it, once.
 * Returns a function that withdraws the wait (true if it was still waiting), for when the server exits first.
 */
export function expectReply(ref: Ref, clock: Clock, onReply: (value: unknown) => void): () => boolean {
  pendingCalls.set(ref, { resolve: onReply, reject: onReply, timer: null, clock, monitor: null });
  return () => pendingCalls.delete(ref);
}

/** Sends `request` to `target`'s handleCall; `dest` names it in errors. See `call` in api.ts. */
export function callProc(target: Proc | null, dest: unknown, request: unknown, timeoutMs: number) {
  const caller = currentProc();
  return new Promise<any>((resolve, reject) => {
    if (target === null) {
      reject(new CallError("noproc", "noproc", `call: ${String(dest)} is not alive`));
      return;
    }
    if (target === caller) {
      reject(new CallError("calling_self", undefined, "call: a process cannot call itself"));
      return;
    }
    // The target's runtime owns the timeout: a call from outside into a runtime with a fake clock uses that clock.
    const clock = target.rt.clock;
    const ref = new Ref();
    const pc: PendingCall = { resolve, reject, timer: null, clock, monitor: null };
    pendingCalls.set(ref, pc);
    pc.monitor = watch(target, (reason) => {
      if (pendingCalls.delete(ref)) {
        clock.clearTimeout(pc.timer);
        reject(new CallError("exit", reason, `call: ${target.pid} exited with ${formatReason(reason)}`));
      }
    });
    if (timeoutMs !== Number.POSITIVE_INFINITY) {
      pc.timer = outsideContext(() =>
        clock.setTimeout(() => {
          if (pendingCalls.delete(ref)) {
            if (pc.monitor !== null) unwatch(pc.monitor);
            reject(
              new CallError("timeout", undefined, `call: no reply from ${target.pid} within ${timeoutMs} ms`),
            );
          }
        }, timeoutMs),
      );
    }
    target.rt.scheduler.deliver(target, new CallRequest(request, { pid: caller?.pid ?? null, ref }));
  });
}

/** Sends `request` to `target`'s handleCast; nothing happens when it is null (not alive). */
export function castProc(target: Proc | null, request: unknown): void {
  if (target !== null) target.rt.scheduler.deliver(target, new CastRequest(request));
}

function formatReason(reason: unknown): string {
  if (typeof reason === "string") return JSON.stringify(reason);
  if (typeof reason === "object" && reason !== null && "error" in reason) {
    const e = (reason as { error: unknown }).error;
    return `{ error: ${e instanceof Error ? `${e.name}: ${e.message}` : describeValue(e)} }`;
  }
  return describeValue(reason);
}
