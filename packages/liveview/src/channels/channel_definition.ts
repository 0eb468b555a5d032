import type { ExitReason, MailboxLimit } from "@cinder/actors";
import type { ChannelPayload, ChannelSocket } from "./channel_socket.js";

/**
 * What `join` returns: `{ ok }` (with an optional reply for the client's `receive("ok")`) to join, or
 * `{ error }` to refuse (the client's `receive("error")` gets it, e.g. `{ reason: "unauthorized" }`).
 */
export type JoinResult =
  | { readonly ok?: Record<string, unknown>; readonly error?: undefined }
  | { readonly error: Record<string, unknown>; readonly ok?: undefined };

/**
 * What `handleIn` may return: `{ reply: { status, response } }` answers the client's push (its
 * `receive(status)` runs with `response`); nothing leaves the push unanswered, as Phoenix's `:noreply`.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing must type-check
export type InResult = void | {
  readonly reply: { readonly status: string; readonly response?: ChannelPayload };
};

/**
 * A channel: the callbacks of Phoenix's `Phoenix.Channel` behaviour. Each client that joins a topic gets a
 * process of its own running them one message at a time.
 *
 * @typeParam A the channel's assigns (the socket's assigns from `connect`, then whatever `assign` adds);
 * @typeParam M the other messages `handleInfo` receives.
 */
export interface ChannelDefinition<A extends object = any, M = any> {
  /** A name for logs (default: the topic pattern it is mounted at). */
  name?: string;
  /**
   * A client joins `topic` with `payload` (phoenix.js `socket.channel(topic, payload).join()`). Authorize
   * here. Once it returns `{ ok }`, the process is subscribed to `topic`: broadcasts on it reach the client.
   */
  join(
    topic: string,
    payload: Record<string, unknown>,
    socket: ChannelSocket<A>,
  ): JoinResult | Promise<JoinResult>;
  /** A client push (`channel.push(event, payload)`); the payload is an `ArrayBuffer` when the client sent bytes. */
  handleIn(
    event: string,
    payload: Record<string, unknown> | ArrayBuffer,
    socket: ChannelSocket<A>,
  ): InResult | Promise<InResult>;
  /** Any other message to the process: `send(self(), ...)`, timers, broadcasts on other topics. */
  handleInfo?(msg: M, socket: ChannelSocket<A>): void | Promise<void>;
  /**
   * A broadcast on the channel's topic whose event is in {@link intercept}: instead of going to the client
   * as it is, it comes here, and `socket.push` sends what the client should see (or nothing).
   */
  handleOut?(event: string, payload: Record<string, unknown>, socket: ChannelSocket<A>): void | Promise<void>;
  /** Broadcast events that go through `handleOut` rather than straight to the client. */
  intercept?: readonly string[];
  /** Runs when the process stops: the client left, the socket closed, or a callback threw. */
  terminate?(reason: ExitReason, socket: ChannelSocket<A>): void | Promise<void>;
  /**
   * Receive `{ type: "EXIT" }` messages from linked processes in `handleInfo` instead of dying with them
   * (default false, as in Erlang).
   */
  trapExit?: boolean;
  /** The bound on the process's mailbox (default {@link DEFAULT_CHANNEL_MAILBOX}). */
  mailbox?: MailboxLimit;
}

/**
 * Every channel process has a bounded mailbox: past 10,000 unhandled messages it exits with
 * `"mailbox_overflow"`; its client gets `phx_error` and rejoins.
 */
export const DEFAULT_CHANNEL_MAILBOX = Object.freeze({ max: 10_000, onOverflow: "exit" as const });

/** A channel made by {@link defineChannel}: mount it in `createEndpoint({ sockets: { path: { channels } } })`. */
export interface ServerChannel<A extends object = any, M = any> extends ChannelDefinition<A, M> {
  readonly [CHANNEL]: true;
}

const CHANNEL: unique symbol = Symbol.for("cinder.channel");

/**
 * Defines a channel (Phoenix's `use Phoenix.Channel`). Each joined topic of each client runs in its own
 * `@cinder/actors` process: a crash takes down that channel alone (its client rejoins), and `self()`,
 * `send`, `sendAfter`, `link` and `monitor` work inside the callbacks, any of which may be `async`.
 *
 * ```ts
 * const Room = defineChannel<{ user: string }>({
 *   join: (topic, _payload, socket) => (socket.assigns.user ? { ok: {} } : { error: { reason: "unauthorized" } }),
 *   handleIn(event, payload, socket) {
 *     if (event === "shout") socket.broadcast("shout", { ...payload, from: socket.assigns.user });
 *     return { reply: { status: "ok", response: {} } };
 *   },
 * });
 * ```
 */
export function defineChannel<A extends object = any, M = any>(
  definition: ChannelDefinition<A, M>,
): ServerChannel<A, M> {
  if (typeof definition !== "object" || definition === null)
    throw new TypeError("defineChannel: expected an object");
  if (typeof definition.join !== "function") throw new TypeError("defineChannel: join must be a function");
  if (typeof definition.handleIn !== "function")
    throw new TypeError("defineChannel: handleIn must be a function");
  for (const cb of ["handleInfo", "handleOut", "terminate"] as const) {
    if (definition[cb] !== undefined && typeof definition[cb] !== "function")
      throw new TypeError(`defineChannel: ${cb} must be a function`);
  }
  const { intercept, mailbox: mb } = definition;
  if (intercept !== undefined) {
    if (!Array.isArray(intercept) || intercept.some((e) => typeof e !== "string" || e === ""))
      throw new TypeError("defineChannel: intercept must be an array of event names");
    if (intercept.length > 0 && definition.handleOut === undefined)
      throw new TypeError("defineChannel: intercept needs handleOut (intercepted events go through it)");
  }
  if (mb !== undefined && (typeof mb !== "object" || mb === null || !Number.isInteger(mb.max) || mb.max < 1))
    throw new TypeError("defineChannel: mailbox must be { max: integer >= 1, onOverflow? }");
  return Object.freeze({ ...definition, [CHANNEL]: true as const });
}

/** Whether `value` was made by {@link defineChannel}. */
export function isChannel(value: unknown): value is ServerChannel {
  return typeof value === "object" && value !== null && (value as Partial<ServerChannel>)[CHANNEL] === true;
}
