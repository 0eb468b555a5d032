import type { ExitReason, MailboxLimit } from "@cinder/actors";
import type { Params } from "../params.js";
import type { Rendered } from "../render/rendered.js";
import type { AsyncOutcome } from "./async_tasks.js";
import { checkEventHandlers, type EventHandlers, type EventResult, type EventValue } from "./events.js";
import { type OnMountOption, onMountHooks } from "./on_mount.js";
import type { BuiltinAssigns, LiveViewSocket } from "./view_socket.js";

export type { EventResult, EventValue };

/** What the dead render signed into the page for this view (from the endpoint's `session` option). */
export type Session = Readonly<Record<string, unknown>>;

/**
 * A live view: the callbacks Phoenix's `Phoenix.LiveView` behaviour has, in TypeScript.
 *
 * @typeParam A the view's assigns; @typeParam M the messages `handleInfo` receives (PubSub broadcasts
 * arrive as `{ topic, event, payload }`).
 */
export interface LiveViewDefinition<A extends object = any, M = any> {
  /** A name for logs (`MOUNT CounterView`); default: the route's path. */
  name?: string;
  /**
   * Sets the first assigns. Runs twice, as in Phoenix: for the HTTP render (`socket.connected` false)
   * and in the live-view process once the websocket joins. Subscribe to topics only when connected.
   */
  mount(params: Params, session: Session, socket: LiveViewSocket<A>): void | Promise<void>;
  /** Runs after `mount` and on every `pushPatch` or `live_patch` with the URL's params. */
  handleParams?(params: Params, url: URL, socket: LiveViewSocket<A>): void | Promise<void>;
  /**
   * Client events by name (`phx-click="inc"` runs `events.inc(value, socket)`); what they return is as for
   * `handleEvent`. Looked up first; `handleEvent`, if any, takes the rest. An event neither handles crashes
   * the view, as in Phoenix: its client shows the error and rejoins.
   */
  events?: EventHandlers<LiveViewSocket<A>>;
  /** A client event (`phx-click`, `phx-submit`, `phx-change`, keys, focus, hooks' `pushEvent`). */
  handleEvent?(
    event: string,
    value: EventValue,
    socket: LiveViewSocket<A>,
  ): EventResult | Promise<EventResult>;
  /** Any other message to the view's process: `send(self(), ...)`, timers, PubSub broadcasts. */
  handleInfo?(msg: M, socket: LiveViewSocket<A>): void | Promise<void>;
  /**
   * The outcome of work started with `socket.startAsync(name, fn)`: `{ ok: true, value }` or `{ ok: false,
   * reason }` (what `fn` threw, or `{ cancelled }`). A failure reaches this callback; it never crashes the view.
   */
  handleAsync?(name: string, outcome: AsyncOutcome, socket: LiveViewSocket<A>): void | Promise<void>;
  /**
   * Assigns reset to these values after every render (see `socket.setTemporaryAssigns`), e.g.
   * `{ messages: [] }` for a chat that appends each message to a `phx-update="append"` list.
   */
  temporaryAssigns?: Partial<A>;
  /**
   * The view's HTML for the current assigns, as an `html` template. A pure function of the assigns: no
   * side effects, and nothing read from elsewhere (the clock, globals). Views of one definition whose
   * assigns hold the very same values share one render (after a broadcast, the first view renders and the
   * others reuse it), as Phoenix re-evaluates only what depends on changed assigns.
   */
  render(assigns: Readonly<A & BuiltinAssigns>): Rendered;
  /** Runs when the live-view process stops: the client left, the socket closed, or a callback threw. */
  terminate?(reason: ExitReason, socket: LiveViewSocket<A>): void | Promise<void>;
  /**
   * Receive `{ type: "EXIT" }` messages from linked processes in `handleInfo` instead of dying with
   * them (default false: a linked process's crash takes the view down, as in Erlang).
   */
  trapExit?: boolean;
  /**
   * The bound on the view process's mailbox (default {@link DEFAULT_VIEW_MAILBOX}: 10,000 messages, then the
   * view exits with `"mailbox_overflow"`; its client gets `phx_error`, rejoins and mounts afresh). Raise it
   * for a view that legitimately falls that far behind; `"drop-newest"` / `"drop-oldest"` keep the view
   * alive but make it miss messages.
   */
  mailbox?: MailboxLimit;
  /**
   * Hooks run before `mount`, in the dead render and in the connected mount, after the endpoint's and
   * the route group's (see `OnMount`): they may assign, or send the browser elsewhere and halt.
   */
  onMount?: OnMountOption;
}

/**
 * Every live-view process has a bounded mailbox, so that one runaway producer (a process sending to a view
 * faster than it handles its messages, a broadcast storm) cannot exhaust the server's memory: past 10,000
 * unhandled messages the view exits with reason `"mailbox_overflow"`. That is a crash as far as its client is
 * concerned: it gets `phx_error`, rejoins, and the view mounts afresh from the current state, which is
 * better than a view that lives on having silently dropped messages. Set `mailbox` on a view to change it.
 */
export const DEFAULT_VIEW_MAILBOX = Object.freeze({ max: 10_000, onOverflow: "exit" as const });

/** A live view made by {@link defineLiveView}: route it with `createEndpoint({ routes })`. */
export interface LiveView<A extends object = any, M = any> extends LiveViewDefinition<A, M> {
  readonly [LIVE_VIEW]: true;
}

const LIVE_VIEW: unique symbol = Symbol.for("cinder.liveview");

/**
 * Defines a live view. Each connected client gets its own `@cinder/actors` process running these
 * callbacks one message at a time; `self()`, `send`, `sendAfter`, `link` and `monitor` work inside
 * them, and any of them may be `async` (the view handles its next message once the promise settles).
 *
 * ```ts
 * const Counter = defineLiveView<{ count: number }>({
 *   mount: (_params, _session, socket) => { socket.assign({ count: 0 }); },
 *   handleEvent: (event, _value, socket) => { if (event === "inc") socket.update("count", (n) => n + 1); },
 *   render: ({ count }) => html`<button phx-click="inc">${count}</button>`,
 * });
 * ```
 */
export function defineLiveView<A extends object = any, M = any>(
  definition: LiveViewDefinition<A, M>,
): LiveView<A, M> {
  if (typeof definition !== "object" || definition === null)
    throw new TypeError("defineLiveView: expected an object");
  if (typeof definition.mount !== "function") throw new TypeError("defineLiveView: mount must be a function");
  if (typeof definition.render !== "function")
    throw new TypeError("defineLiveView: render must be a function");
  const mb = definition.mailbox;
  if (mb !== undefined && (typeof mb !== "object" || mb === null || !Number.isInteger(mb.max) || mb.max < 1))
    throw new TypeError("defineLiveView: mailbox must be { max: integer >= 1, onOverflow? }");
  checkEventHandlers(definition, "defineLiveView");
  const temporary = definition.temporaryAssigns;
  if (
    temporary !== undefined &&
    (typeof temporary !== "object" || temporary === null || Array.isArray(temporary))
  )
    throw new TypeError(
      "defineLiveView: temporaryAssigns must be an object of assign names and reset values",
    );
  for (const cb of ["handleParams", "handleInfo", "handleAsync", "terminate"] as const) {
    if (definition[cb] !== undefined && typeof definition[cb] !== "function") {
      throw new TypeError(`defineLiveView: ${cb} must be a function`);
    }
  }
  const onMount = onMountHooks(
    definition.onMount,
    `defineLiveView${definition.name ? ` ${definition.name}` : ""}`,
  );
  return Object.freeze({ ...definition, onMount, [LIVE_VIEW]: true as const });
}

/** Whether `value` was made by {@link defineLiveView}. */
export function isLiveView(value: unknown): value is LiveView {
  return typeof value === "object" && value !== null && (value as Partial<LiveView>)[LIVE_VIEW] === true;
}
