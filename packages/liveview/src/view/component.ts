import { ComponentCall } from "../render/component_call.js";
import type { Rendered } from "../render/rendered.js";
import type { ComponentAssigns, ComponentSocket } from "./component_socket.js";
import { checkEventHandlers, type EventHandlers, type EventResult, type EventValue } from "./events.js";

/**
 * A stateful live component: the callbacks of Phoenix's `Phoenix.LiveComponent`, in TypeScript. It lives
 * inside its view's process (no process of its own), keeps its own assigns and is re-rendered only when
 * they change; events whose `phx-target` is its `myself` reach its `handleEvent`, not the view's.
 *
 * @typeParam A the component's assigns (those its parent passes and those it assigns itself).
 */
export type { ComponentAssigns };

export interface ComponentDefinition<A extends object = any> {
  /** A name for logs and errors; default `"component"`. */
  name?: string;
  /** Runs once, when the component first appears (before the first `update`). */
  mount?(socket: ComponentSocket<A>): void;
  /**
   * Runs when it first appears and whenever its parent renders it with different assigns or a
   * `sendUpdate` reaches it; `assigns` is what was passed. Default: assign them all.
   */
  update?(assigns: Partial<A>, socket: ComponentSocket<A>): void;
  /**
   * As `update`, for every component of this definition updated by one render at once (a list of twenty
   * rows updated together runs this once): load what they need in one go. Replaces `update` when given.
   */
  updateMany?(updates: ReadonlyArray<readonly [assigns: Partial<A>, socket: ComponentSocket<A>]>): void;
  /**
   * Events targeted at this component (`phx-target="${myself}"`) by name, as a view's `events`: checked
   * before `handleEvent`; an event in neither crashes the view, naming the event and the component.
   */
  events?: EventHandlers<ComponentSocket<A>>;
  /** Any event targeted at this component that `events` does not name. */
  handleEvent?(
    event: string,
    value: EventValue,
    socket: ComponentSocket<A>,
  ): EventResult | Promise<EventResult>;
  /** Its HTML: an `html` template with a single root element. A pure function of its assigns. */
  render(assigns: Readonly<A & ComponentAssigns>): Rendered;
}

/** A component made by {@link defineComponent}: place it in a template with {@link liveComponent}. */
export interface Component<A extends object = any> extends ComponentDefinition<A> {
  readonly [COMPONENT]: true;
}

const COMPONENT: unique symbol = Symbol.for("cinder.liveview.component");

/**
 * Defines a stateful live component. Its callbacks run synchronously in the view's process.
 *
 * ```ts
 * const Counter = defineComponent<{ count: number; label: string }>({
 *   mount: (socket) => { socket.assign({ count: 0 }); },
 *   handleEvent: (event, _value, socket) => { if (event === "inc") socket.update("count", (n) => n + 1); },
 *   render: ({ count, label, myself }) =>
 *     html`<div><button phx-click="inc" phx-target="${myself}">${label}: ${count}</button></div>`,
 * });
 * // in a view's render: ${liveComponent(Counter, { id: "a", label: "Apples" })}
 * ```
 */
export function defineComponent<A extends object = any>(definition: ComponentDefinition<A>): Component<A> {
  if (typeof definition !== "object" || definition === null)
    throw new TypeError("defineComponent: expected an object");
  if (typeof definition.render !== "function")
    throw new TypeError("defineComponent: render must be a function");
  for (const cb of ["mount", "update", "updateMany"] as const) {
    if (definition[cb] !== undefined && typeof definition[cb] !== "function")
      throw new TypeError(`defineComponent: ${cb} must be a function`);
  }
  checkEventHandlers(definition, "defineComponent");
  return Object.freeze({ ...definition, [COMPONENT]: true as const });
}

/** Whether `value` was made by {@link defineComponent}. */
export function isComponent(value: unknown): value is Component {
  return typeof value === "object" && value !== null && (value as Partial<Component>)[COMPONENT] === true;
}

/** The assigns `liveComponent` takes: an `id` (unique per definition within the view) and any of `A`. */
export type LiveComponentAssigns<A extends object> = { id: string | number } & Partial<A>;

/**
 * Places a live component in a template: `${liveComponent(Cart, { id: "cart", items })}`. The first time
 * an id appears the component mounts; later renders pass it new assigns (it updates and re-renders only
 * when they differ, `Object.is`, key by key).
 */
export function liveComponent<A extends object>(component: Component<A>, assigns: LiveComponentAssigns<A>) {
  if (!isComponent(component))
    throw new TypeError("liveComponent: the first argument must be made by defineComponent");
  if (typeof assigns !== "object" || assigns === null)
    throw new TypeError("liveComponent: expected assigns with an id");
  const { id, ...rest } = assigns;
  if ((typeof id !== "string" && typeof id !== "number") || id === "")
    throw new TypeError(
      `liveComponent(${component.name ?? "component"}): an id (string or number) is required`,
    );
  return new ComponentCall(component, id, rest);
}
