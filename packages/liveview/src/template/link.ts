import { localPath } from "../local_path.js";
import { type Dynamic, html, type Rendered } from "../render/rendered.js";
import { safeUrl } from "../safe_url.js";
import { attributes, type HtmlAttributes } from "./attributes.js";

/** Where a {@link link} goes: exactly one of `navigate`, `patch` or `href`. */
export type LinkOptions = (
  | { readonly navigate: string; readonly patch?: never; readonly href?: never }
  | { readonly patch: string; readonly navigate?: never; readonly href?: never }
  | { readonly href: string; readonly navigate?: never; readonly patch?: never }
) & {
  /** Replace the browser's history entry instead of pushing one (`navigate` and `patch`). */
  readonly replace?: boolean;
  /** More attributes of the `<a>` (`class`, `id`, `phx-click`, ...). */
  readonly attrs?: HtmlAttributes;
};

/**
 * An anchor, as Phoenix's `<.link>`. With `navigate`, the official client moves to that live view over
 * the open websocket (a full page load if it belongs to another group of routes); with `patch`, it stays
 * in the current view and runs its `handleParams`; with `href`, it is an ordinary link. Rendered as:
 *
 * - `navigate`: `<a href="/to" data-phx-link="redirect" data-phx-link-state="push">`
 * - `patch`: `<a href="/to" data-phx-link="patch" data-phx-link-state="push">`
 * - `href`: `<a href="...">`
 *
 * (`data-phx-link-state="replace"` with `replace: true`.) The `href` is still a real URL, so the link
 * works before the client connects, in a new tab, and without JavaScript. `navigate` and `patch` take
 * local paths only (a TypeError otherwise); `href` goes through {@link safeUrl}, so a `javascript:` URL
 * becomes `#`.
 *
 * ```ts
 * html`${link({ navigate: "/rooms" }, "All rooms")} ${link({ patch: `?page=${page + 1}` }, "Next")}`
 * ```
 */
export function link(opts: LinkOptions, content: Dynamic): Rendered {
  if (typeof opts !== "object" || opts === null) throw new TypeError("link: expected options");
  const given = (["navigate", "patch", "href"] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) throw new TypeError("link: give exactly one of navigate, patch or href");
  if (opts.replace !== undefined && typeof opts.replace !== "boolean")
    throw new TypeError("link: replace must be a boolean");
  const extra = attributes(opts.attrs, "link");
  if (opts.href !== undefined) {
    if (typeof opts.href !== "string") throw new TypeError("link: href must be a string");
    return html`<a href="${safeUrl(opts.href)}"${extra}>${content}</a>`;
  }
  const kind = opts.navigate !== undefined ? "redirect" : "patch";
  const to = opts.navigate ?? opts.patch;
  const state = opts.replace === true ? "replace" : "push";
  return html`<a href="${livePath(to, kind)}" data-phx-link="${kind}" data-phx-link-state="${state}"${extra}>${content}</a>`;
}

// A patch may be relative to the current URL ("?page=2"), as Phoenix allows; a navigation is a path.
function livePath(to: unknown, kind: "redirect" | "patch"): string {
  if (typeof to !== "string")
    throw new TypeError(`link: ${kind === "patch" ? "patch" : "navigate"} must be a string`);
  if (kind === "patch" && to.startsWith("?")) return localPath(`/${to}`, "link").slice(1);
  return localPath(to, "link");
}
