import { encodeParams } from "../params.js";
import type { ClientTree } from "./client_tree.js";

/** A live component of a {@link LiveViewTest}'s page, from `view.component(...)`. */
export interface ComponentTest {
  /** Its cid (`myself`). */
  readonly cid: number;
  /** Its current HTML, root element included. */
  html(): string;
  /** A `phx-click` targeted at it; resolves to the view's HTML after the reply. */
  click(event: string, value?: Record<string, unknown>): Promise<string>;
  /** A `phx-submit` targeted at it. */
  submit(event: string, values?: Record<string, unknown>): Promise<string>;
  /** A `phx-change` targeted at it; `target` names the input that changed. */
  change(event: string, values?: Record<string, unknown>, target?: string): Promise<string>;
}

/**
 * The live component `target` of the page `tree` holds, driven through `event` (a push to the view, to
 * which its cid is added): by the DOM id of its root element (`"cart"` for `<div id="cart">`), or by cid.
 * Throws when the page shows no such component.
 */
export function componentTest(
  tree: ClientTree,
  target: string | number,
  event: (payload: Record<string, unknown>) => Promise<string>,
): ComponentTest {
  const cid = typeof target === "number" ? target : cidOf(tree, target);
  if (cid === undefined || tree.componentHtml(cid) === undefined)
    throw new Error(`no live component ${JSON.stringify(target)} on the page; HTML:\n${tree.html()}`);
  const send = (payload: Record<string, unknown>) => event({ ...payload, cid });
  return {
    cid,
    html: () => tree.componentHtml(cid) ?? "",
    click: (event, value = {}) => send({ type: "click", event, value }),
    submit: (event, values = {}) => send({ type: "form", event, value: encodeParams(values), meta: {} }),
    change: (event, values = {}, t) =>
      send({ type: "form", event, value: encodeParams(values), meta: { _target: t ?? "undefined" } }),
  };
}

/** The cid of the component whose root element has the DOM id `domId`. */
function cidOf(tree: ClientTree, domId: string): number | undefined {
  const pattern = new RegExp(`^\\s*<[^>]*\\sid="${domId.replace(/[^\w-]/g, (c) => `\\${c}`)}"`);
  return tree.cids().find((cid) => pattern.test(tree.componentHtml(cid) ?? ""));
}
