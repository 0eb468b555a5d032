/**
 * What follows a view's callback: patches (handleParams again), navigation, and the render whose diff is
 * sent. Shared by the view process's callbacks and its push handlers.
 */
import { type Ref, type Stop, stop } from "@cinder/actors";
import type { LiveContext } from "../context.js";
import { signFlash } from "../flash.js";
import type { Diff, DiffTracker } from "../render/diff.js";
import type { Rendered } from "../render/rendered.js";
import { locateTemplateError } from "../render/template_position.js";
import type { RouteMatch } from "../router.js";
import type { Channel } from "../transport/channel.js";
import type { Components } from "./components.js";
import { NestingScope, withNesting } from "./live_render.js";
import { memoRender } from "./render_memo.js";
import type { LiveView } from "./view.js";
import { paramsFor } from "./view_params.js";
import type { Navigation, ViewSocket } from "./view_socket.js";
import { callHandleParams, traceRender } from "./view_telemetry.js";

/** A view process's state. */
export interface ViewState {
  readonly ctx: LiveContext;
  readonly channel: Channel;
  readonly view: LiveView;
  readonly name: string;
  readonly socket: ViewSocket<any>;
  readonly tracker: DiffTracker;
  readonly components: Components;
  /** Its route's group (a child view's token is bound to it). */
  readonly group: string;
  /**
   * Where its render places child views (`liveRender`): kept once a render placed one; until then each
   * render gets a fresh one (most views place none, and a scope is 80 B per view).
   */
  nesting: NestingScope | null;
  /** A nested child's monitor of its parent view: it stops when the parent does. */
  readonly parentRef: Ref | null;
}

// How many pushPatch calls in a row (each running handleParams, which may patch again) are followed
// before giving up: a view that patches forever must not hang its process.
const MAX_PATCH_HOPS = 16;

/** Moves the view to `url` and runs `handleParams`; returns the navigation that requested, if any. */
export async function applyPatch(state: ViewState, url: URL, match: RouteMatch): Promise<Navigation | null> {
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
export function finish(
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

/** The view's template rendered from its assigns, with its nesting scope in reach of `liveRender`. */
export function renderRoot(state: ViewState): Rendered {
  const { socket } = state;
  const nesting = state.nesting ?? new NestingScope(socket.id, true, state.ctx.signer, state.group, socket);
  const root = withNesting(nesting, () => memoRender(state.view, socket.assigns));
  if (nesting.placed !== null) state.nesting = nesting;
  return root;
}

/** Renders if anything changed, and returns the diff to send (null when there is nothing to send). */
export function renderDiff(state: ViewState): Diff | null {
  const { socket, tracker } = state;
  let diff: Diff | null = null;
  if (socket.changed.size > 0 || socket.titleChanged) {
    diff = traceRender(state.name, socket.id, socket.changed, () => {
      const root = renderRoot(state);
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

export function takeNavigation(socket: ViewSocket<any>): Navigation | null {
  const nav = socket.navigation;
  socket.navigation = null;
  return nav;
}

/** Where a patch goes, or null when it leaves this view (then it becomes a navigation). */
export function patchTarget(
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
export function navigationReply(state: ViewState, nav: Navigation): Record<string, unknown> {
  // The flash survives the trip as a short-lived signed token: as a cookie the next page load reads,
  // or in the next view's join.
  const token = signFlash(state.ctx.signer, state.socket.assigns.flash);
  if (nav.kind === "redirect")
    return { redirect: token === undefined ? { to: nav.to } : { to: nav.to, flash: token } };
  const kind = nav.replace ? "replace" : "push";
  return { live_redirect: token === undefined ? { to: nav.to, kind } : { to: nav.to, kind, flash: token } };
}
