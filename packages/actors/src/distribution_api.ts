import { runtime } from "./api.js";
import type { Pid, Ref } from "./pid.js";

// The free functions of distribution: they act on the calling process's runtime, or the default runtime.

/**
 * Registers `pid` (a live process of this node) as `name` on every node of the cluster. Returns false when
 * the name is taken as far as this node knows. Two registrations that did not see each other (at the same
 * moment, or on both sides of a partition) are settled when the nodes meet: the process on the node whose
 * name sorts first keeps the name; the other gets an exit signal `{ global_name_conflict: name }`.
 *
 * ```ts
 * const store = spawn(Store, []);
 * if (!registerGlobal("store", store)) exit(store, "normal"); // another node runs it
 * await call({ global: "store" }, { op: "list" });
 * ```
 */
export function registerGlobal(name: string, pid: Pid): boolean {
  return runtime().registerGlobal(name, pid);
}

/** Frees a global name on every node; false when it was not registered. */
export function unregisterGlobal(name: string): boolean {
  return runtime().unregisterGlobal(name);
}

/** The pid registered globally as `name`, on whichever node, or undefined. */
export function whereisGlobal(name: string): Pid | undefined {
  return runtime().whereisGlobal(name);
}

/** The other nodes that are up now, as this node's transport sees them (empty on a lone node). */
export function nodes(): string[] {
  return runtime().nodes();
}

/**
 * The calling process gets one `{ type: "nodedown", ref, node }` message when `node` goes down (at once if it
 * is not up now). Returns the ref for `demonitorNode`.
 */
export function monitorNode(node: string): Ref {
  return runtime().monitorNode(node);
}

/** Removes a node monitor; false if there was none. */
export function demonitorNode(ref: Ref): boolean {
  return runtime().demonitorNode(ref);
}
