import { NO_FLASH } from "../flash.js";
import { decodeParams } from "../params.js";
import { type Rendered, renderWithComponents } from "../render/rendered.js";
import type { Signer } from "../token.js";
import { Components } from "./components.js";
import { NestingScope, type PendingChild, withNesting } from "./live_render.js";
import { ViewSocket } from "./view_socket.js";
import { callMount } from "./view_telemetry.js";

/** How deep child views may nest in one page (a view that renders itself would never end). */
const MAX_DEPTH = 8;

/** What the HTTP render of a page tells its child views. */
export interface DeadNesting {
  readonly signer: Signer;
  readonly group: string;
  readonly url: URL;
}

/**
 * The HTTP render of a view that may place child views: renders it, mounts (disconnected) and renders the
 * children it asked for, then renders it again with their HTML in place. `render` must be pure, as every
 * view's render is, so the second pass places the same children.
 */
export async function renderWithChildren(
  page: DeadNesting,
  parentId: string,
  render: () => Rendered,
  depth = 0,
): Promise<Rendered> {
  const html = new Map<string, string>();
  for (let pass = 0; ; pass++) {
    const pending: PendingChild[] = [];
    const scope = new NestingScope(parentId, false, page.signer, page.group, page, html, pending);
    const root = withNesting(scope, render);
    if (pending.length === 0) return root;
    if (pass > 0)
      throw new Error(`liveRender: ${parentId}'s render placed different children on a second pass`);
    if (depth >= MAX_DEPTH) throw new Error(`liveRender: child views nested more than ${MAX_DEPTH} deep`);
    for (const child of pending) html.set(child.opts.id, await renderChild(page, child, depth + 1));
  }
}

async function renderChild(page: DeadNesting, child: PendingChild, depth: number): Promise<string> {
  const { view, opts } = child;
  const name = view.name!;
  const socket = new ViewSocket<any>(opts.id, false, page.url, {}, NO_FLASH);
  if (view.temporaryAssigns !== undefined) socket.setTemporaryAssigns(view.temporaryAssigns);
  await callMount(view, name, decodeParams(page.url.search.slice(1)), opts.session ?? {}, socket);
  const root = await renderWithChildren(page, opts.id, () => view.render(socket.assigns), depth);
  const components = new Components(socket, name);
  return renderWithComponents(root, (call) => components.renderNow(call));
}
