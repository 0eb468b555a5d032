import { isLocalPath } from "../local_path.js";
import { escapeHtml } from "../render/escape.js";
import type { CspDirectives } from "./csp.js";

/**
 * The endpoint's `client` option: what the app adds to the browser side without writing a layout.
 *
 * ```ts
 * createEndpoint({ static: "public", client: { module: "/app.js", stylesheets: ["/app.css"] }, ... })
 * ```
 *
 * ```js
 * // public/app.js, an ES module
 * export const hooks = {
 *   Chart: { mounted() { this.handleEvent("points", ({ points }) => draw(this.el, points)); } },
 * };
 * export const uploaders = {}; // external uploaders, if any
 * ```
 */
export interface ClientOptions {
  /**
   * The URL of an ES module whose exports `hooks` and `uploaders` the boot script passes to `LiveSocket`
   * (`phx-hook="Chart"` then finds `hooks.Chart`). Loaded with `import()` before the client connects; if it
   * fails to load, the client connects without it and logs the error in the browser's console.
   */
  readonly module?: string;
  /** More scripts, loaded (deferred, in order) after the client's bundles and before it connects. */
  readonly scripts?: readonly string[];
  /** Stylesheets, linked in each page's `<head>`. */
  readonly stylesheets?: readonly string[];
}

/** The `client` option checked, with what it adds to pages, the boot script and the CSP. */
export interface ClientSetup {
  /** The module's URL for the boot script, if any. */
  readonly module: string | undefined;
  /** Tags for `<head>`, before the boot script (trusted HTML built from checked URLs). */
  readonly head: string;
  /** Origins of absolute URLs, added to the default CSP's `script-src` / `style-src`. */
  readonly csp: CspDirectives;
}

/**
 * Checks the `client` option: each URL a local path (`/app.js`) or an absolute `https:` URL (a CDN, whose
 * origin the default policy then allows); a TypeError naming the field otherwise.
 */
export function clientSetup(option: ClientOptions | undefined): ClientSetup {
  if (option === undefined) return { module: undefined, head: "", csp: {} };
  const bad = (why: string) => new TypeError(`createEndpoint: client: ${why}`);
  if (typeof option !== "object" || option === null)
    throw bad("expected { module?, scripts?, stylesheets? }");
  for (const k of Object.keys(option))
    if (!["module", "scripts", "stylesheets"].includes(k)) throw bad(`unknown field ${JSON.stringify(k)}`);
  const scriptOrigins = new Set<string>();
  const styleOrigins = new Set<string>();
  const url = (value: unknown, field: string, origins: Set<string>): string => {
    if (typeof value === "string" && isLocalPath(value)) return value;
    if (typeof value === "string") {
      try {
        const u = new URL(value);
        if (u.protocol === "https:") {
          origins.add(u.origin);
          return u.href;
        }
      } catch {}
    }
    throw bad(`${field} must be a local path ("/app.js") or an https URL, got ${JSON.stringify(value)}`);
  };
  const list = (value: unknown, field: string): readonly unknown[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw bad(`${field} must be an array of URLs`);
    return value;
  };
  const module = option.module === undefined ? undefined : url(option.module, "module", scriptOrigins);
  let head = "";
  for (const [i, s] of list(option.stylesheets, "stylesheets").entries())
    head += `<link rel="stylesheet" href="${escapeHtml(url(s, `stylesheets[${i}]`, styleOrigins))}">\n`;
  for (const [i, s] of list(option.scripts, "scripts").entries())
    head += `<script defer src="${escapeHtml(url(s, `scripts[${i}]`, scriptOrigins))}"></script>\n`;
  const csp: Record<string, readonly string[]> = {};
  if (scriptOrigins.size > 0) csp["script-src"] = [...scriptOrigins];
  if (styleOrigins.size > 0) csp["style-src"] = [...styleOrigins];
  return { module, head, csp };
}
