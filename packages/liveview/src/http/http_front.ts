import type { IncomingMessage, ServerResponse } from "node:http";
import type { Runtime } from "@cinder/actors";
import type { LiveContext } from "../context.js";
import { FLASH_COOKIE, type Flash, verifyFlash } from "../flash.js";
import type { LogLimiter } from "../log_limiter.js";
import { clip, formatDuration, inspectParams } from "../logger.js";
import { decodeParams } from "../params.js";
import type { RouteMatch } from "../router.js";
import type { Session } from "../view/view.js";
import { type Asset, serveAsset } from "./assets.js";
import { parseCookies, serializeCookie } from "./cookies.js";
import { sendCrashPage } from "./crash_page.js";
import { CSRF_COOKIE, csrfToken, isCsrfSecret, newCsrfSecret } from "./csrf.js";
import { type DeadRenderResult, deadRender } from "./dead_render.js";
import type { Layout } from "./layout.js";
import type { LiveReload } from "./live_reload.js";
import { isHttps, pathOf, requestUrl } from "./request.js";
import type { StaticFiles } from "./static_files.js";

/** What the endpoint configures its HTTP side with. */
export interface HttpFrontOptions {
  readonly ctx: LiveContext;
  readonly runtime: Runtime;
  readonly assets: Map<string, Asset>;
  readonly layout: Layout;
  readonly title: string;
  /** The pages' Content-Security-Policy header value, null for none. */
  readonly csp: string | null;
  readonly trustProxy: boolean;
  readonly session: ((req: IncomingMessage) => Session | Promise<Session>) | undefined;
  /** The log lines of 404s, rate-limited: anyone can make them in bulk. */
  readonly notFound: LogLimiter;
  /** Development's live reload, or null (always in production). */
  readonly liveReload: LiveReload | null;
  /** The app's static folder (the `static` option), or null. */
  readonly staticFiles: StaticFiles | null;
  /** Served at `/favicon.ico` when nothing else answers it (the default icon). */
  readonly favicon: Asset;
  /** Tags the `client` option adds to each page's head. */
  readonly clientHead: string;
}

/**
 * The endpoint's HTTP side: the client's assets, and the dead render of each live route as a page with its
 * cookies (CSRF secret, flash) and security headers.
 */
export class HttpFront {
  readonly #opts: HttpFrontOptions;

  constructor(opts: HttpFrontOptions) {
    this.#opts = opts;
  }

  /** Whether the browser reached us over https (see {@link isHttps}). */
  https(req: IncomingMessage): boolean {
    return isHttps(req, this.#opts.trustProxy);
  }

  /** Serves `req`: an asset, a live route's page, else `next` (when given) or a 404. */
  handle(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void {
    const { logger } = this.#opts.ctx;
    const start = process.hrtime.bigint();
    const path = pathOf(req.url);
    const method = req.method ?? "GET";
    if (this.#opts.liveReload?.handle(req, res, path)) return;
    const asset = this.#opts.assets.get(path);
    if (asset !== undefined && (method === "GET" || method === "HEAD")) return serveAsset(req, res, asset);
    const files = this.#opts.staticFiles;
    if (files === null || (method !== "GET" && method !== "HEAD"))
      return this.#route(req, res, next, path, method, start);
    files.serve(req, res, path).then(
      (served) => {
        if (!served) this.#route(req, res, next, path, method, start);
      },
      (err) => {
        logger.log(
          "error",
          `${method} ${clip(path)} failed: ${err instanceof Error ? err.stack : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error");
      },
    );
  }

  /** A live route's page, else `next` (when given), the default favicon, or a 404. */
  #route(
    req: IncomingMessage,
    res: ServerResponse,
    next: ((err?: unknown) => void) | undefined,
    path: string,
    method: string,
    start: bigint,
  ): void {
    const { logger } = this.#opts.ctx;
    const route = this.#opts.ctx.router.match(path);
    if (route === null || (method !== "GET" && method !== "HEAD")) {
      if (next !== undefined) return next();
      if (path === "/favicon.ico" && (method === "GET" || method === "HEAD"))
        return serveAsset(req, res, this.#opts.favicon);
      this.#opts.notFound.log("info", `${method} ${clip(path)}`);
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not Found");
      this.#opts.notFound.log("info", `Sent 404 in ${formatDuration(start)}`);
      return;
    }
    logger.log("info", `${method} ${clip(path)}`);
    if (requestUrl(req, false) === null) {
      // HTTP/1.1 requires a valid Host (RFC 9112 3.2): without one there is no URL to mount the view at.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Bad Request: invalid Host");
      logger.log("info", `Sent 400 in ${formatDuration(start)}`);
      return;
    }
    this.#page(req, res, route, method).then(
      (status) => logger.log("info", `Sent ${status} in ${formatDuration(start)}`),
      (err) => {
        logger.log(
          "error",
          `${method} ${clip(path)} failed: ${err instanceof Error ? err.stack : String(err)}`,
        );
        sendCrashPage(res, `${method} ${clip(path)}`, err);
        logger.log("info", `Sent 500 in ${formatDuration(start)}`);
      },
    );
  }

  async #page(req: IncomingMessage, res: ServerResponse, route: RouteMatch, method: string): Promise<number> {
    const { ctx } = this.#opts;
    const secure = this.https(req);
    const cookies = parseCookies(req.headers.cookie);
    const setCookies: string[] = [];
    let csrfSecret = cookies.get(CSRF_COOKIE);
    if (!isCsrfSecret(csrfSecret)) {
      csrfSecret = newCsrfSecret();
      setCookies.push(serializeCookie(CSRF_COOKIE, csrfSecret, { httpOnly: true, sameSite: "Lax", secure }));
    }
    const flashToken = cookies.get(FLASH_COOKIE);
    if (flashToken !== undefined)
      setCookies.push(serializeCookie(FLASH_COOKIE, "", { maxAgeSeconds: 0, secure }));
    const result = await this.render(
      req,
      csrfToken(ctx.signer, csrfSecret),
      verifyFlash(ctx.signer, flashToken),
      route,
    );
    const headers: Record<string, string | string[]> = {
      // As Phoenix's put_secure_browser_headers, plus no caching of a page that embeds a session.
      "cache-control": "max-age=0, private, must-revalidate",
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "referrer-policy": "strict-origin-when-cross-origin",
    };
    if (this.#opts.csp !== null) headers["content-security-policy"] = this.#opts.csp;
    if (result.kind === "redirect") {
      if (result.flashToken !== undefined) {
        setCookies.push(
          serializeCookie(FLASH_COOKIE, result.flashToken, { maxAgeSeconds: 60, secure, sameSite: "Lax" }),
        );
      }
      if (setCookies.length > 0) headers["set-cookie"] = setCookies;
      headers.location = result.to;
      res.writeHead(302, headers).end();
      return 302;
    }
    if (setCookies.length > 0) headers["set-cookie"] = setCookies;
    headers["content-type"] = "text/html; charset=utf-8";
    // A string body lets Node send headers and body in one write.
    headers["content-length"] = String(Buffer.byteLength(result.html));
    res.writeHead(200, headers).end(method === "HEAD" ? undefined : result.html);
    return 200;
  }

  /** The dead render of `req.url` with a given CSRF token (the page handler and the test harness). */
  async render(
    req: IncomingMessage,
    token: string,
    flash: Flash,
    route = this.#opts.ctx.router.match(pathOf(req.url)),
  ): Promise<DeadRenderResult> {
    const { ctx } = this.#opts;
    if (route === null) throw new Error(`no live route for ${pathOf(req.url)}`);
    const url = requestUrl(req, this.https(req));
    if (url === null) throw new Error(`invalid Host header ${JSON.stringify(req.headers.host)}`);
    let session = (await this.#opts.session?.(req)) ?? {};
    if (route.groupSession !== undefined) {
      const extra = await route.groupSession(req);
      if (typeof extra !== "object" || extra === null || Array.isArray(extra))
        throw new TypeError(`route group ${route.group}: session must return an object`);
      session = { ...session, ...extra };
    }
    if (ctx.logger.enabled("debug")) {
      ctx.logger.log(
        "debug",
        `Processing with ${route.name}\n  Parameters: ${inspectParams(decodeParams(url.search.slice(1)))}`,
      );
    }
    return deadRender({
      ctx,
      runtime: this.#opts.runtime,
      route,
      url,
      session,
      flash,
      csrfToken: token,
      layout: this.#opts.layout,
      defaultTitle: this.#opts.title,
      liveReload: this.#opts.liveReload !== null,
      clientHead: this.#opts.clientHead,
    });
  }
}
