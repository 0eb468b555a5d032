import {
  type Behaviour,
  cast,
  Down,
  Exit,
  type ExitReason,
  isAsyncFunction,
  monitor,
  type Pid,
  type Stop,
  spawn,
  stop,
} from "@cinder/actors";
import { formatDuration, inspectParams } from "../logger.js";
import { DiffTracker } from "../render/diff.js";
import { locateTemplateError } from "../render/template_position.js";
import type { ViewLauncher, ViewStart } from "../socket/view_launcher.js";
import { applyAsyncDone } from "./async_done.js";
import { AsyncDone } from "./async_tasks.js";
import { Components } from "./components.js";
import { runOnMount } from "./on_mount.js";
import { ComponentUpdate } from "./send_update.js";
import { DEFAULT_VIEW_MAILBOX, type LiveView } from "./view.js";
import {
  applyPatch,
  finish,
  navigationReply,
  patchTarget,
  renderRoot,
  takeNavigation,
  type ViewState,
} from "./view_finish.js";
import { paramsFor } from "./view_params.js";
import { ChannelPush, handlePush } from "./view_pushes.js";
import { ViewSocket } from "./view_socket.js";
import { callHandleInfo, callHandleParams, callMount, traceRender } from "./view_telemetry.js";

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
    const parentRef = args.parent === undefined ? null : monitor(args.parent);
    const state: ViewState = {
      ctx,
      channel,
      view,
      name: route.name,
      socket,
      tracker,
      components,
      group: route.group,
      nesting: null,
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
      const root = renderRoot(state);
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
