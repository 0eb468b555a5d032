import {
  type Behaviour,
  cast,
  Down,
  Exit,
  type ExitReason,
  isAsyncFunction,
  monitor,
  type Pid,
  type Ref,
  type Stop,
  spawn,
  stop,
} from "@cinder/actors";
import type { LiveContext } from "../context.js";
import { signFlash } from "../flash.js";
import { hasUnsafeUrlChars } from "../local_path.js";
import { formatDuration, inspectParams, quote } from "../logger.js";
import { type Diff, DiffTracker } from "../render/diff.js";
import { locateTemplateError } from "../render/template_position.js";
import type { RouteMatch } from "../router.js";
import type { ViewLauncher, ViewStart } from "../socket/view_launcher.js";
import type { Channel } from "../transport/channel.js";
import { applyAsyncDone } from "./async_done.js";
import { AsyncDone } from "./async_tasks.js";
import { Components } from "./components.js";
import { UnknownEventError } from "./events.js";
import { NestingScope, withNesting } from "./live_render.js";
import { runOnMount } from "./on_mount.js";
import { memoRender } from "./render_memo.js";
import { ComponentUpdate } from "./send_update.js";
import { DEFAULT_VIEW_MAILBOX, type LiveView } from "./view.js";
import { eventValue, paramsFor } from "./view_params.js";
import { type Navigation, ViewSocket } from "./view_socket.js";
import {
  callHandleEvent,
  callHandleInfo,
  callHandleParams,
  callMount,
  traceRender,
} from "./view_telemetry.js";
import { ownerOf } from "./view_uploads.js";

/** A client push on a joined channel, routed to its view process by the socket process. */
export class ChannelPush {
  constructor(
    readonly ref: string | null,
    readonly event: string,
    readonly payload: Record<string, unknown>,
  ) {}
}

/** What the socket process passes to a view process it spawns for a `phx_join`. */
export type ViewArgs = ViewStart;

/** How socket processes start view processes and hand them client pushes (see {@link ViewLauncher}). */
export const viewLauncher: ViewLauncher = {
  start(args: ViewStart): Pid {
    const view = args.route.view;
    return spawn(
      viewBehaviourFor(view),
      args,
      // Linked: the view ends with its socket. Trapping: so that end runs the view's terminate. Bounded: see
      // DEFAULT_VIEW_MAILBOX.
      { link: true, trapExit: true, mailbox: view.mailbox ?? DEFAULT_VIEW_MAILBOX },
    );
  },
  push(pid: Pid, ref: string | null, event: string, payload: Record<string, unknown>): void {
    // A cast: the view handles pushes in its async handleCast, whatever its handleInfo is.
    cast(pid, new ChannelPush(ref, event, payload));
  },
};

/** A view process's state. */
interface ViewState {
  readonly ctx: LiveContext;
  readonly channel: Channel;
  readonly view: LiveView;
  readonly name: string;
  readonly socket: ViewSocket<any>;
  readonly tracker: DiffTracker;
  readonly components: Components;
  /** Where its render places child views (`liveRender`). */
  readonly nesting: NestingScope;
  /** A nested child's monitor of its parent view: it stops when the parent does. */
  readonly parentRef: Ref | null;
}

// How many pushPatch calls in a row (each running handleParams, which may patch again) are followed
// before giving up: a view that patches forever must not hang its process.
const MAX_PATCH_HOPS = 16;

/**
 * The behaviour of a connected live view's process. `init` mounts and answers the join; client pushes
 * (events, patches) arrive as casts from the socket process, anything else in `handleInfo`. These
 * callbacks are `async` functions, so that the user's callbacks may `await` and still call `self()`.
 * See {@link viewBehaviourFor} for the variant whose `handleInfo` is synchronous.
 */
export const viewBehaviour: Behaviour<ViewState, unknown, ViewArgs> = {
  // What a process list shows for a view: its name (the state is undefined until mount has run).
  label: (state) => state?.name ?? "LiveView",
  async init(args: ViewArgs): Promise<ViewState | Stop<ViewState>> {
    const { ctx, channel, route, url } = args;
    const start = process.hrtime.bigint();
    const view = route.view;
    const id = channel.topic.slice(3);
    const socket = new ViewSocket<any>(id, true, url, args.connectParams, args.flash);
    if (view.temporaryAssigns !== undefined) socket.setTemporaryAssigns(view.temporaryAssigns);
    const components = new Components(socket, route.name);
    const tracker = new DiffTracker(components);
    const nesting = new NestingScope(id, true, ctx.signer, route.group, () => socket.url.href);
    const parentRef = args.parent === undefined ? null : monitor(args.parent);
    const state: ViewState = {
      ctx,
      channel,
      view,
      name: route.name,
      socket,
      tracker,
      components,
      nesting,
      parentRef,
    };
    const params = paramsFor(route, url);
    if (ctx.logger.enabled("debug")) {
      ctx.logger.log(
        "debug",
        `MOUNT ${route.name}\n  Parameters: ${inspectParams(params)}\n  Session: ${inspectParams(args.session)}`,
      );
    }
    const halted = await runOnMount(route.onMount, params, args.session, socket, route.name);
    if (!halted) await callMount(view, route.name, params, args.session, socket);
    let nav = takeNavigation(socket);
    if (!halted && nav === null && view.handleParams !== undefined) {
      await callHandleParams(view, route.name, params, url, socket);
      nav = takeNavigation(socket);
    }
    let livePatch: { to: string; kind: string } | undefined;
    for (let hops = 0; nav?.kind === "patch"; hops++) {
      const target = patchTarget(state, nav, hops);
      if (target === null) {
        nav = { kind: "navigate", to: nav.to, replace: nav.replace };
        break;
      }
      livePatch = { to: nav.to, kind: nav.replace ? "replace" : "push" };
      nav = await applyPatch(state, target.url, target.match);
    }
    if (nav !== null) {
      // Redirected while mounting: the join is refused with where to go instead; the client follows.
      channel.refuse(navigationReply(state, nav));
      return stop("normal");
    }
    const rendered = traceRender(route.name, id, null, () => {
      const root = withNesting(state.nesting, () => memoRender(view, socket.assigns));
      try {
        return state.tracker.render(root, { title: socket.pageTitle, events: socket.events });
      } catch (err) {
        throw locateTemplateError(err, state.name, root, state.components.lastRendered());
      }
    });
    socket.clearChanges();
    channel.joined(
      livePatch === undefined
        ? { rendered, liveview_version: ctx.liveviewVersion }
        : { rendered, liveview_version: ctx.liveviewVersion, live_patch: livePatch },
    );
    if (ctx.logger.enabled("debug")) ctx.logger.log("debug", `Replied in ${formatDuration(start)}`);
    return state;
  },

  async handleInfo(msg: unknown, state: ViewState): Promise<ViewState | Stop<ViewState>> {
    const routed = routeInfo(msg, state);
    if (routed !== null) return routed;
    await callHandleInfo(state.view, state.name, msg, state.socket);
    return finish(state, null, undefined);
  },

  async handleCast(msg: unknown, state: ViewState): Promise<ViewState | Stop<ViewState>> {
    return msg instanceof ChannelPush ? handlePush(msg, state) : state;
  },

  async terminate(reason: ExitReason, state: ViewState): Promise<void> {
    // init did not complete (state is undefined when the runtime stops a view that never mounted).
    if (state === undefined) return;
    await state.view.terminate?.(reason, state.socket);
  },
};

/**
 * What both `handleInfo` variants do before the view's own `handleInfo`: channel pushes, exits of linked
 * processes, views that define no `handleInfo`. Null when the message is the view's to handle.
 */
function routeInfo(
  msg: unknown,
  state: ViewState,
): ReturnType<typeof handlePush> | ViewState | Stop<ViewState> | null {
  if (msg instanceof ChannelPush) return handlePush(msg, state);
  if (msg instanceof ComponentUpdate) {
    if (!state.components.update(msg.component, msg.id, msg.assigns)) {
      state.ctx.logger.log(
        "warn",
        `${state.name}: sendUpdate to ${msg.component.name ?? "component"} ${JSON.stringify(msg.id)}, which is not on the page; ignored`,
      );
      return state;
    }
    return finish(state, null, undefined);
  }
  // What the processes of its uploads report (and their DOWN messages).
  for (const owner of state.socket.uploadOwners) {
    if (!owner.uploads.handle(msg, owner.socket)) continue;
    if (owner.cid !== null) state.components.touch(owner.cid);
    return finish(state, null, undefined);
  }
  // A nested child stops with its parent (a sticky one has no parent).
  if (msg instanceof Down && msg.ref === state.parentRef) return stop("shutdown", state);
  if (msg instanceof Exit && state.view.trapExit !== true) {
    // The process traps exits only so that its terminate runs when its socket goes away; for any other
    // linked process it behaves as if it did not trap: a crash there takes the view down.
    return msg.reason === "normal" ? state : stop(msg.reason, state);
  }
  if (msg instanceof AsyncDone) {
    const r = applyAsyncDone(msg, state.view, state.name, state.socket);
    return r instanceof Promise
      ? r.then(() => finish(state, null, undefined))
      : finish(state, null, undefined);
  }
  if (state.view.handleInfo === undefined) {
    state.ctx.logger.log("warn", `${state.name} received a message but defines no handleInfo; dropped`);
    return state;
  }
  return null;
}

/**
 * As {@link viewBehaviour}, but `handleInfo` is a plain function: a message whose handling needs no
 * `await` (a PubSub broadcast to a view with a synchronous `handleInfo`, the common case) costs no promise,
 * and the process stays on the run queue. Only for views whose `handleInfo` and `handleParams` are not
 * `async` functions: those may run outside the async context (as any non-async handler of a process).
 */
const syncInfoViewBehaviour: Behaviour<ViewState, unknown, ViewArgs> = {
  ...viewBehaviour,
  handleInfo(msg: unknown, state: ViewState) {
    const routed = routeInfo(msg, state);
    if (routed !== null) return routed;
    const r: unknown = callHandleInfo(state.view, state.name, msg, state.socket);
    if (typeof (r as PromiseLike<void> | undefined)?.then === "function")
      return Promise.resolve(r).then(() => finish(state, null, undefined));
    return finish(state, null, undefined);
  },
};

/** The process behaviour for `view`: {@link viewBehaviour}, or its synchronous-`handleInfo` variant. */
export function viewBehaviourFor(view: LiveView): Behaviour<ViewState, unknown, ViewArgs> {
  return isAsyncFunction(view.handleInfo) || isAsyncFunction(view.handleParams)
    ? viewBehaviour
    : syncInfoViewBehaviour;
}

async function handlePush(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, ctx } = state;
  switch (msg.event) {
    case "event":
      return handleEvent(msg, state).catch((err: unknown) => unknownEvent(err, state));
    case "live_patch":
      return handleLivePatch(msg, state);
    case "cids_will_destroy":
    case "cids_destroyed": {
      const cids = cidsOf(msg.payload);
      if (cids === null) {
        clientError(state, `malformed ${msg.event} on ${channel.topic}; replied with an error`);
        channel.reply(msg.ref, "error", { reason: "malformed cids" });
        return state;
      }
      if (msg.event === "cids_will_destroy") {
        state.components.willDestroy(cids);
        state.tracker.willDestroy(cids);
        channel.reply(msg.ref, "ok", {});
      } else {
        const freed = state.components.destroyed(cids);
        state.tracker.destroyed(freed);
        channel.reply(msg.ref, "ok", { cids: freed });
      }
      return state;
    }
    case "allow_upload":
    case "progress":
      return handleUploadPush(msg, state);
    default:
      ctx.logger.log("debug", `${msg.event} on ${channel.topic} answered with {}`);
      channel.reply(msg.ref, "ok", {});
      return state;
  }
}

async function handleEvent(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { view, socket, channel, ctx } = state;
  const p = msg.payload;
  if (typeof p.event !== "string") {
    clientError(state, `malformed event on ${channel.topic}: no event name; replied with an error`);
    channel.reply(msg.ref, "error", { reason: "malformed event" });
    return state;
  }
  const start = process.hrtime.bigint();
  const value = eventValue(p);
  if (ctx.logger.enabled("debug")) {
    ctx.logger.log(
      "debug",
      `HANDLE EVENT ${quote(p.event)} in ${state.name}\n  Parameters: ${inspectParams(value)}`,
    );
  }
  let reply: Record<string, unknown> | undefined;
  if (typeof p.uploads === "object" && p.uploads !== null && Object.keys(p.uploads).length > 0) {
    // A form with file inputs: the files picked so far, checked against the uploads before the handler runs.
    // (The client sends `uploads: {}` with every form event.)
    for (const [ref, entries] of Object.entries(p.uploads)) {
      const owner = ownerOf(socket.uploadOwners, ref);
      const fault =
        owner === undefined ? "files for an unknown upload" : owner.uploads.putFromForm({ [ref]: entries });
      if (fault !== null) clientError(state, `${channel.topic}: ${fault}`);
      else if (owner?.cid != null) state.components.touch(owner.cid);
    }
  }
  if (p.cid !== undefined) {
    if (!isCid(p.cid)) {
      clientError(state, `malformed event on ${channel.topic}: bad cid; replied with an error`);
      channel.reply(msg.ref, "error", { reason: "malformed event" });
      return state;
    }
    const handled = await state.components.handleEvent(p.cid, p.event, value);
    // A component the client still shows but the server freed (a race with the destroy handshake).
    if (handled === undefined)
      ctx.logger.log("debug", `event ${quote(p.event)} for unknown cid ${p.cid} ignored`);
    else if (typeof handled.result === "object" && handled.result !== null) reply = handled.result.reply;
  } else if (p.event === "lv:clear-flash") {
    // Reserved by Phoenix: the client's flash close buttons send it, with the kind as `key`.
    socket.clearFlash(typeof value.key === "string" ? value.key : undefined);
  } else {
    const result = await callHandleEvent(view, state.name, p.event, value, socket);
    if (typeof result === "object" && result !== null && typeof result.reply === "object")
      reply = result.reply;
  }
  const next = await finish(state, msg.ref, reply);
  if (ctx.logger.enabled("debug")) ctx.logger.log("debug", `Replied in ${formatDuration(start)}`);
  return next;
}

/**
 * An event with no handler crashes the view, as in Phoenix (the client rejoins). It is the client's doing
 * as much as the code's, so it is logged through the socket's rate limit and counted against its error
 * budget rather than thrown to the runtime's crash log, which any client could flood. Other errors rethrow.
 */
function unknownEvent(err: unknown, state: ViewState): Stop<ViewState> {
  if (!(err instanceof UnknownEventError)) throw err;
  const { guard } = state.channel;
  if (guard !== null) guard.fault("error", err.message);
  else state.ctx.logger.log("error", err.message);
  return stop({ error: err }, state);
}

/** A warning about what the client sent: counted against its socket's error budget, rate-limited. */
function clientError(state: ViewState, message: string): void {
  const { guard } = state.channel;
  if (guard !== null) guard.fault("warn", message);
  else state.ctx.logger.log("warn", message);
}

/** `allow_upload` (a preflight: the reply carries tokens) and `progress`, for a view that allowed uploads. */
async function handleUploadPush(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, socket, ctx } = state;
  // Upload refs are random and unique: the ref finds the view's or a component's upload (the `cid` the
  // client also sends is not needed).
  const owner = ownerOf(socket.uploadOwners, msg.payload.ref);
  if (owner === undefined) {
    clientError(state, `${msg.event} on ${channel.topic} for no upload of this view; replied with an error`);
    channel.reply(msg.ref, "error", { reason: "no uploads allowed" });
    return state;
  }
  const touch = () => {
    if (owner.cid !== null) state.components.touch(owner.cid);
  };
  if (msg.event === "progress") {
    const fault = await owner.uploads.progress(msg.payload, owner.socket);
    if (fault !== null) clientError(state, `${channel.topic}: ${fault}`);
    touch();
    return finish(state, msg.ref, undefined);
  }
  const response = await owner.uploads.preflight(msg.payload, owner.socket, ctx.signer, channel.topic);
  if (typeof response === "string") {
    clientError(state, `${channel.topic}: ${response}; replied with an error`);
    channel.reply(msg.ref, "error", { reason: response });
    return state;
  }
  touch();
  const diff = renderDiff(state);
  channel.reply(msg.ref, "ok", diff === null ? response : { ...response, diff });
  return state;
}

async function handleLivePatch(msg: ChannelPush, state: ViewState): Promise<ViewState | Stop<ViewState>> {
  const { channel, ctx, socket } = state;
  const url = parseUrl(msg.payload.url, socket.url);
  const match = url === null ? null : ctx.router.match(url.pathname);
  if (url === null || match === null || match.view !== state.view) {
    // Not this view's URL: the client navigates to it over the same socket instead.
    channel.reply(msg.ref, "ok", { link_redirect: true });
    return state;
  }
  const nav = await applyPatch(state, url, match);
  if (nav !== null) socket.navigation = nav;
  return finish(state, msg.ref, undefined);
}

/** Moves the view to `url` and runs `handleParams`; returns the navigation that requested, if any. */
async function applyPatch(state: ViewState, url: URL, match: RouteMatch): Promise<Navigation | null> {
  const { view, socket, ctx } = state;
  socket.url = url;
  if (view.handleParams !== undefined) {
    if (ctx.logger.enabled("debug"))
      ctx.logger.log("debug", `HANDLE PARAMS in ${state.name}\n  URL: ${url.href}`);
    await callHandleParams(view, state.name, paramsFor(match, url), url, socket);
  }
  return takeNavigation(socket);
}

/**
 * After a callback: follows patches (running `handleParams`, pushing `live_patch`), answers a
 * redirect or navigation by stopping the view, else renders and sends what changed: the reply to
 * `ref`, or a `diff` push when no push is being answered (handleInfo). Synchronous unless the
 * callback asked for a navigation.
 */
function finish(
  state: ViewState,
  ref: string | null,
  hookReply: Record<string, unknown> | undefined,
): ViewState | Stop<ViewState> | Promise<ViewState | Stop<ViewState>> {
  if (state.socket.navigation !== null) return navigate(state, ref, hookReply);
  return sendChanges(state, ref, hookReply);
}

async function navigate(
  state: ViewState,
  ref: string | null,
  hookReply: Record<string, unknown> | undefined,
): Promise<ViewState | Stop<ViewState>> {
  const { socket, channel } = state;
  let nav = takeNavigation(socket);
  for (let hops = 0; nav?.kind === "patch"; hops++) {
    const target = patchTarget(state, nav, hops);
    if (target === null) {
      nav = { kind: "navigate", to: nav.to, replace: nav.replace };
      break;
    }
    const kind = nav.replace ? "replace" : "push";
    const to = nav.to;
    nav = await applyPatch(state, target.url, target.match);
    // As Phoenix: the URL change goes first, then the reply carrying the diff.
    channel.push("live_patch", { to, kind });
  }
  if (nav !== null) {
    const payload = navigationReply(state, nav);
    if (ref !== null) channel.reply(ref, "ok", payload);
    else channel.push(nav.kind === "redirect" ? "redirect" : "live_redirect", Object.values(payload)[0]);
    // The client leaves this view (full page load, or a new view over the same socket): stop it,
    // which makes the socket send phx_close.
    return stop("shutdown", state);
  }
  return sendChanges(state, ref, hookReply);
}

/** Renders what changed and sends it: as the reply to `ref`, else as a `diff` push (if anything changed). */
function sendChanges(
  state: ViewState,
  ref: string | null,
  hookReply: Record<string, unknown> | undefined,
): ViewState {
  const { channel } = state;
  let diff = renderDiff(state);
  if (hookReply !== undefined) diff = { ...(diff ?? {}), r: hookReply };
  if (ref !== null) channel.reply(ref, "ok", diff === null ? {} : { diff });
  else if (diff !== null) channel.push("diff", diff);
  return state;
}

/** Renders if anything changed, and returns the diff to send (null when there is nothing to send). */
function renderDiff(state: ViewState): Diff | null {
  const { socket, tracker, view } = state;
  let diff: Diff | null = null;
  if (socket.changed.size > 0 || socket.titleChanged) {
    diff = traceRender(state.name, socket.id, socket.changed, () => {
      const root = withNesting(state.nesting, () => memoRender(view, socket.assigns));
      try {
        return tracker.diff(root, { title: socket.pageTitle, events: socket.events });
      } catch (err) {
        throw locateTemplateError(err, state.name, root, state.components.lastRendered());
      }
    });
  } else if (state.components.pending) {
    try {
      diff = tracker.diff(null, { events: socket.events });
    } catch (err) {
      throw locateTemplateError(err, state.name, null, state.components.lastRendered());
    }
  } else if (socket.events.length > 0) {
    // Only events: nothing to render, the diff carries just them.
    diff = { e: socket.events };
  }
  socket.clearChanges();
  return diff;
}

function takeNavigation(socket: ViewSocket<any>): Navigation | null {
  const nav = socket.navigation;
  socket.navigation = null;
  return nav;
}

/** Where a patch goes, or null when it leaves this view (then it becomes a navigation). */
function patchTarget(
  state: ViewState,
  nav: Navigation,
  hops: number,
): { url: URL; match: RouteMatch } | null {
  if (hops >= MAX_PATCH_HOPS)
    throw new Error(`${state.name}: more than ${MAX_PATCH_HOPS} pushPatch in a row`);
  const url = new URL(nav.to, state.socket.url);
  const match = state.ctx.router.match(url.pathname);
  return match !== null && match.view === state.view ? { url, match } : null;
}

/** The reply that sends the client elsewhere: `{redirect: {to, flash?}}` or `{live_redirect: {...}}`. */
function navigationReply(state: ViewState, nav: Navigation): Record<string, unknown> {
  // The flash survives the trip as a short-lived signed token: as a cookie the next page load reads,
  // or in the next view's join.
  const token = signFlash(state.ctx.signer, state.socket.assigns.flash);
  if (nav.kind === "redirect")
    return { redirect: token === undefined ? { to: nav.to } : { to: nav.to, flash: token } };
  const kind = nav.replace ? "replace" : "push";
  return { live_redirect: token === undefined ? { to: nav.to, kind } : { to: nav.to, kind, flash: token } };
}

function parseUrl(value: unknown, base: URL): URL | null {
  // What a URL parser would drop or rewrite is refused, as in a join's URL.
  if (typeof value !== "string" || hasUnsafeUrlChars(value)) return null;
  try {
    const url = new URL(value, base);
    // A patch stays on this page's origin; anything else is not a patch.
    return url.origin === base.origin ? url : null;
  } catch {
    return null;
  }
}

function isCid(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

/** The `cids` of a destroy push, or null when malformed. */
function cidsOf(payload: Record<string, unknown>): number[] | null {
  const cids = payload.cids;
  if (!Array.isArray(cids) || cids.length > 100_000 || !cids.every(isCid)) return null;
  return cids;
}
