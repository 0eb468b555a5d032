import type { ExitReason } from "./behaviour.js";
import { running } from "./context.js";
import { Down } from "./messages.js";
import { type Pid, Ref } from "./pid.js";
import { LinkSet, type Monitor, MonitorTable, type Proc } from "./process.js";

// Links and monitors: how a process learns that another exited. The tables they live in are part of the
// process record (process.ts); the exit itself, and the signals links carry, are in exits.ts.

/** Links `a` and `b` (both ways). Inside `asParent`, a process without a parent takes the adopter as its own. */
export function addLink(a: Proc, b: Proc): void {
  (a.links ??= new LinkSet()).add(b);
  (b.links ??= new LinkSet()).add(a);
  if (running.adopter === a) b.parent ??= a;
}

/** Removes the link between `a` and `b`, if any. */
export function removeLink(a: Proc, b: Proc): void {
  a.links?.delete(b);
  b.links?.delete(a);
}

/**
 * Monitors `target` from `watcher`: one `Down` with the returned ref when it exits. A dead target (null) gets
 * its `Down` with reason `"noproc"` at once.
 */
export function monitor(watcher: Proc, target: Proc | null, targetPid: Pid): Ref {
  const ref = new Ref();
  if (target === null) {
    watcher.rt.scheduler.deliver(watcher, new Down(ref, targetPid, "noproc"));
    return ref;
  }
  const m: Monitor = { ref, watcher, target };
  (target.monitors ??= new MonitorTable()).add(m);
  (watcher.monitors ??= new MonitorTable()).add(m);
  return ref;
}

/** Removes the monitor `ref` of `watcher`; returns whether it was there. */
export function demonitor(watcher: Proc, ref: Ref): boolean {
  const m = watcher.monitors?.get(ref);
  if (m === undefined) return false;
  watcher.monitors!.delete(ref);
  m.target.monitors?.delete(ref);
  return true;
}

/** A monitor without a mailbox: `onDown(reason)` runs once, synchronously, when `target` exits. */
export function watch(target: Proc, onDown: (reason: ExitReason) => void): Monitor {
  const m: Monitor = { ref: new Ref(), watcher: onDown, target };
  (target.monitors ??= new MonitorTable()).add(m);
  return m;
}

/** Cancels a `watch` (or a monitor, from its target's side). Twice, or after the exit, does nothing. */
export function unwatch(m: Monitor): void {
  m.target.monitors?.delete(m.ref);
}

/**
 * For the exit of `p`: tells whoever monitors it (a DOWN message, or the watch callback) and forgets the
 * monitors it held on others.
 */
export function notifyMonitors(p: Proc, reason: ExitReason): void {
  if (p.monitors === null) return;
  for (const m of p.monitors.values()) {
    if (m.target === p) {
      const w = m.watcher;
      if (typeof w === "function") w(reason);
      else {
        w.monitors?.delete(m.ref);
        w.rt.scheduler.deliver(w, new Down(m.ref, p.pid, reason));
      }
    } else {
      m.target.monitors?.delete(m.ref);
    }
  }
  p.monitors = null;
}
