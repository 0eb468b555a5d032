import { Pid, self, send, sendAfter, type Timer } from "@cinder/actors";
import { type Component, isComponent } from "./component.js";

/** The message `sendUpdate` sends to a view's process: handled by the view, never by its `handleInfo`. */
export class ComponentUpdate {
  constructor(
    readonly component: Component,
    readonly id: string | number,
    readonly assigns: Readonly<Record<string, unknown>>,
  ) {}
}

/**
 * Updates the live component `id` of `component` with `assigns` (its `update` runs, then it re-renders if
 * they changed anything), as Phoenix's `send_update`. Without a pid, it targets the view whose process is
 * calling (`self()`); from any other process, pass the view's pid. Asynchronous: it is a message to the
 * view, handled in order with its others. A component that is not (or no longer) on the page is logged
 * and ignored.
 *
 * ```ts
 * sendUpdate(Cart, "cart", { items });           // inside the view (handleInfo, handleEvent, ...)
 * sendUpdate(viewPid, Cart, "cart", { items });  // from another process
 * ```
 */
export function sendUpdate<A extends object>(
  component: Component<A>,
  id: string | number,
  assigns: Partial<A>,
): void;
export function sendUpdate<A extends object>(
  pid: Pid,
  component: Component<A>,
  id: string | number,
  assigns: Partial<A>,
): void;
export function sendUpdate(...args: unknown[]): void {
  const [pid, message] = updateOf("sendUpdate", args);
  send(pid, message);
}

/** {@link sendUpdate} after `ms` milliseconds; returns the timer (`cancelTimer` stops it). */
export function sendUpdateAfter<A extends object>(
  component: Component<A>,
  id: string | number,
  assigns: Partial<A>,
  ms: number,
): Timer;
export function sendUpdateAfter<A extends object>(
  pid: Pid,
  component: Component<A>,
  id: string | number,
  assigns: Partial<A>,
  ms: number,
): Timer;
export function sendUpdateAfter(...args: unknown[]): Timer {
  const ms = args.pop();
  if (typeof ms !== "number" || !(ms >= 0)) throw new TypeError("sendUpdateAfter: ms must be a number >= 0");
  const [pid, message] = updateOf("sendUpdateAfter", args);
  return sendAfter(pid, message, ms);
}

function updateOf(name: string, args: unknown[]): [Pid, ComponentUpdate] {
  const pid = args[0] instanceof Pid ? (args.shift() as Pid) : self();
  const [component, id, assigns] = args;
  if (!isComponent(component)) throw new TypeError(`${name}: expected a component made by defineComponent`);
  if ((typeof id !== "string" && typeof id !== "number") || id === "")
    throw new TypeError(`${name}: the component id must be a string or a number`);
  if (typeof assigns !== "object" || assigns === null)
    throw new TypeError(`${name}: assigns must be an object`);
  return [pid, new ComponentUpdate(component, id, { ...assigns })];
}
