/** The dead render as a browser with no cookies sees it: what it needs from the page to join the view. */
import type { Agent } from "node:http";
import { httpGet, type Target } from "./http.js";

/** What the dead render gave a browser. */
export interface Page {
  cookie: string;
  csrf: string;
  id: string;
  session: string;
  /** What the official client sends when a page has no `data-phx-static` (ours carry none). */
  static: null;
}

/** GET / as a browser with no cookies: the CSRF cookie it is given, the token and the view's tokens. */
export async function getPage(target: Target, agent: Agent): Promise<Page> {
  const { headers, body } = await httpGet(target, "/", {
    agent,
    localAddress: target.localAddress,
    headers: { accept: "text/html" },
  });
  const html = body.toString("utf8");
  const cookie = (headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  const view = /<div id="([^"]+)" data-phx-main data-phx-session="([^"]+)"/.exec(html);
  if (csrf === undefined || view === null) throw new Error("GET /: no CSRF token or no live view");
  return { cookie, csrf: unescapeAttr(csrf), id: view[1], session: view[2], static: null };
}

function unescapeAttr(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}
