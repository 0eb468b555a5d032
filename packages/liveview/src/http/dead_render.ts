import { type Behaviour, type Runtime, stop } from "@cinder/actors";
import { nanoid } from "nanoid";
import type { LiveContext } from "../context.js";
import { type Flash, signFlash } from "../flash.js";
import { escapeHtml } from "../render/escape.js";
import { raw, renderToString, renderWithComponents } from "../render/rendered.js";
import { locateTemplateError } from "../render/template_position.js";
import type { RouteMatch } from "../router.js";
import type { SessionToken } from "../session_token.js";
import { SALT } from "../token.js";
import { Components } from "../view/components.js";
import { renderWithChildren } from "../view/nested_dead_render.js";
import { runOnMount } from "../view/on_mount.js";
import type { Session } from "../view/view.js";
import { paramsFor } from "../view/view_params.js";
import { ViewSocket } from "../view/view_socket.js";
import { callHandleParams, callMount } from "../view/view_telemetry.js";
import { LIVE_PATH } from "./assets.js";
import type { Layout } from "./layout.js";
import { LIVE_RELOAD_SCRIPT } from "./live_reload.js";

/** What the HTTP (dead) render of a live route produced. */
export type DeadRenderResult =
  | { readonly kind: "page"; readonly html: string; readonly id: string; readonly sessionToken: string }
  | { readonly kind: "redirect"; readonly to: string; readonly flashToken?: string };

/** The inputs of one dead render. */
export interface DeadRenderInput {
  readonly ctx: LiveContext;
  readonly runtime: Runtime;
  readonly route: RouteMatch;
  readonly url: URL;
  readonly session: Session;
  readonly flash: Flash;
  readonly csrfToken: string;
  readonly layout: Layout;
  readonly defaultTitle: string;
  /** Whether pages load development's live-reload script. */
  readonly liveReload: boolean;
  /** Tags the endpoint's `client` option adds before the boot script (trusted). */
  readonly clientHead: string;
}

/**
 * Mounts the view disconnected (`socket.connected` false), renders it, and wraps it in the container
 * the client joins (`id`, `data-phx-main`, the signed `data-phx-session`) and the
 * layout. The callbacks run inside a short-lived process, so a `mount` that calls `self()` or `send`
 * unconditionally works here as it does when connected (messages to it are simply dropped).
 */
export function deadRender(input: DeadRenderInput): Promise<DeadRenderResult> {
  return new Promise((resolve, reject) => {
    input.runtime.spawn(oneShot, { run: () => render(input), resolve, reject });
  });
}

interface OneShotArgs {
  run(): Promise<DeadRenderResult>;
  resolve(result: DeadRenderResult): void;
  reject(err: unknown): void;
}

// One process per dead render: runs the work in init and stops; errors go to the HTTP handler, which
// answers 500, rather than crashing (and being logged as) a process.
const oneShot: Behaviour<undefined, unknown, OneShotArgs> = {
  label: "DeadRender",
  async init(args: OneShotArgs) {
    try {
      args.resolve(await args.run());
    } catch (err) {
      args.reject(err);
    }
    return stop("normal");
  },
};

async function render(input: DeadRenderInput): Promise<DeadRenderResult> {
  const { ctx, route, url } = input;
  const view = route.view;
  // The id is in every frame of the view's topic (`lv:<id>`), so it is kept short: 12 random url-safe
  // characters (72 bits) keep ids unique per page with room to spare, and every diff 9 bytes smaller than
  // nanoid's default 21. It needs no secrecy: the signed session token binds it to this page.
  const id = `phx-${nanoid(12)}`;
  const socket = new ViewSocket<any>(id, false, url, {}, input.flash);
  if (view.temporaryAssigns !== undefined) socket.setTemporaryAssigns(view.temporaryAssigns);
  const params = paramsFor(route, url);
  if (!(await runOnMount(route.onMount, params, input.session, socket, route.name))) {
    await callMount(view, route.name, params, input.session, socket);
    if (socket.navigation === null && view.handleParams !== undefined)
      await callHandleParams(view, route.name, params, url, socket);
  }
  const nav = socket.navigation;
  if (nav !== null) {
    // Before the page exists, any navigation is an HTTP redirect; the flash rides in a cookie.
    const flashToken = signFlash(ctx.signer, socket.assigns.flash);
    return flashToken !== undefined
      ? { kind: "redirect", to: nav.to, flashToken }
      : { kind: "redirect", to: nav.to };
  }
  const root = await renderWithChildren({ signer: ctx.signer, group: route.group, url }, id, () =>
    view.render(socket.assigns),
  );
  // Components mount, update and render on the spot; nothing of them is kept after the page is sent.
  const components = new Components(socket, route.name);
  let inner: string;
  try {
    inner = renderWithComponents(root, (call) => components.renderNow(call));
  } catch (err) {
    throw locateTemplateError(err, route.name, root, components.lastRendered());
  }
  const flash = socket.assigns.flash;
  const bound = { id, v: route.viewKey, r: route.pattern, g: route.group };
  const sessionData: SessionToken =
    Object.keys(flash).length > 0
      ? { ...bound, s: { ...input.session }, f: { ...flash } }
      : { ...bound, s: { ...input.session } };
  const sessionToken = ctx.signer.sign(SALT.session, sessionData);
  // No `data-phx-static`: Phoenix puts data there that only nested views use, and a root view needs none,
  // so there is nothing to sign or to verify (the client then sends `static: null`).
  const content = `<div id="${id}" data-phx-main data-phx-session="${sessionToken}">${inner}</div>`;
  const title = socket.pageTitle ?? input.defaultTitle;
  const assets = `${LIVE_PATH}/assets`;
  const head =
    `<meta name="csrf-token" content="${escapeHtml(input.csrfToken)}">\n` +
    `<title>${escapeHtml(title)}</title>\n` +
    `<script defer src="${assets}/phoenix.min.js"></script>\n` +
    `<script defer src="${assets}/phoenix_live_view.min.js"></script>\n` +
    input.clientHead +
    `<script defer src="${assets}/boot.js"></script>` +
    (input.liveReload ? `\n<script defer src="${LIVE_RELOAD_SCRIPT}"></script>` : "");
  const page = input.layout({ title, csrfToken: input.csrfToken, head: raw(head), content: raw(content) });
  return { kind: "page", html: typeof page === "string" ? page : renderToString(page), id, sessionToken };
}
