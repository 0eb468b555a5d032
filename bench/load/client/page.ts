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
  // The main view's tag, whatever the order of its attributes (LiveViewJS, the bench's peer, puts `id` last).
  const tag = /<div\s[^>]*data-phx-main[^>]*>/.exec(html)?.[0];
  const id = tag === undefined ? undefined : /\sid="([^"]+)"/.exec(tag)?.[1];
  const session = tag === undefined ? undefined : /\sdata-phx-session="([^"]+)"/.exec(tag)?.[1];
  if (csrf === undefined || id === undefined || session === undefined)
    throw new Error("GET /: no CSRF token or no live view");
  return { cookie, csrf: unescapeAttr(csrf), id, session, static: null };
}

function unescapeAttr(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}
