import type { ServerResponse } from "node:http";
import { strictChecks } from "@cinder/actors";
import { escapeHtml } from "../render/escape.js";

/**
 * Answers a request whose page failed to render with a 500. In development and test the page shows what
 * failed (the route, the error and its stack, HTML-escaped), as Phoenix's debug page does, so a mistake in
 * `mount` or `render` is one glance away; in production it is a plain "Internal Server Error" that tells a
 * visitor nothing about the code.
 */
export function sendCrashPage(res: ServerResponse, where: string, err: unknown): void {
  if (!res.headersSent) {
    res.writeHead(500, {
      "content-type": strictChecks() ? "text/html; charset=utf-8" : "text/plain; charset=utf-8",
      "cache-control": "no-store",
    });
  }
  if (!strictChecks()) {
    res.end("Internal Server Error");
    return;
  }
  const title = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const stack = err instanceof Error && err.stack !== undefined ? err.stack : String(err);
  res.end(
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>500 ${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>while rendering <code>${escapeHtml(where)}</code> ` +
      "(this page shows only outside production)</p>" +
      `<pre>${escapeHtml(stack)}</pre></body></html>`,
  );
}
