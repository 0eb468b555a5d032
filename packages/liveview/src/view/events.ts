import { quote } from "../logger.js";

/**
 * The value of an event: `phx-value-*` attributes (and `value`, `key`) for clicks and keys, the
 * decoded form (nested, with `_target` as a path list) for forms, whatever the hook pushed for hooks.
 */
export type EventValue = { [key: string]: any };

/** What an event handler may return: a reply for a hook's `pushEvent(event, payload, onReply)`. */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing must type-check
export type EventResult = void | { reply: Record<string, unknown> };

/** One event's handler in an `events` map; `S` is the socket of the view (or component) it belongs to. */
export type EventHandler<S> = (value: EventValue, socket: S) => EventResult | Promise<EventResult>;

/**
 * Handlers by event name, as a view's or a component's `events`: `{ inc(value, socket) { ... } }` handles
 * `phx-click="inc"`. An event that is in neither this map nor handled by `handleEvent` crashes the view.
 */
export type EventHandlers<S> = { readonly [event: string]: EventHandler<S> };

/** What can take client events: a view or a component definition. */
export interface EventReceiver<S> {
  readonly events?: EventHandlers<S>;
  handleEvent?(event: string, value: EventValue, socket: S): EventResult | Promise<EventResult>;
}

/**
 * An event reached a view or component with no handler for it: as Phoenix's `FunctionClauseError`, the
 * view crashes (its client shows the error and rejoins, mounting afresh). The event name comes from the
 * client, so it is quoted and clipped in the message.
 */
export class UnknownEventError extends Error {
  override readonly name = "UnknownEventError";
  constructor(
    /** The event's name, as the client sent it. */
    readonly event: string,
    /** The view or component that has no handler for it. */
    readonly receiver: string,
  ) {
    super(
      `${receiver} has no handler for event ${quote(event)}: add it to the events map ` +
        `(events: { ${handlerName(event)}(value, socket) { ... } }) or handle it in handleEvent`,
    );
  }
}

/** `event` as it would be written as a method name in the message (quoted unless it is an identifier). */
function handlerName(event: string): string {
  return /^[A-Za-z_$][\w$]{0,63}$/.test(event) ? event : quote(event);
}

/**
 * Runs the handler of `event` on `receiver`: its `events` entry, else its `handleEvent`. Throws
 * {@link UnknownEventError} (naming `name`) when there is neither. The name comes from the client, so only
 * the map's own entries count (never `constructor`, `toString` or other inherited properties).
 */
export function dispatchEvent<S>(
  receiver: EventReceiver<S>,
  name: string,
  event: string,
  value: EventValue,
  socket: S,
): EventResult | Promise<EventResult> {
  const events = receiver.events;
  if (events !== undefined && Object.hasOwn(events, event)) {
    const handler = events[event];
    if (typeof handler === "function") return handler(value, socket);
  }
  if (receiver.handleEvent !== undefined) return receiver.handleEvent(event, value, socket);
  throw new UnknownEventError(event, name);
}

/**
 * Checks a definition's `events` and `handleEvent` (for `defineLiveView`, `defineComponent`): `events`, if
 * given, is a plain object of functions; `where` names the definer in the error.
 */
export function checkEventHandlers(definition: EventReceiver<any>, where: string): void {
  const { events, handleEvent } = definition;
  if (handleEvent !== undefined && typeof handleEvent !== "function")
    throw new TypeError(`${where}: handleEvent must be a function`);
  if (events === undefined) return;
  if (typeof events !== "object" || events === null || Array.isArray(events))
    throw new TypeError(`${where}: events must be an object of functions ({ name(value, socket) { ... } })`);
  for (const key of Object.keys(events)) {
    if (typeof events[key] !== "function")
      throw new TypeError(`${where}: events.${key} must be a function (value, socket) => ...`);
  }
}
