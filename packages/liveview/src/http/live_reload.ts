import { randomUUID } from "node:crypto";
import { type FSWatcher, watch } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname } from "node:path";
import { type Logger, strictChecks } from "@cinder/actors";
import { type Asset, LIVE_PATH, serveAsset } from "./assets.js";

/** What {@link EndpointOptions.liveReload} takes besides `true`. */
export interface LiveReloadOptions {
  /**
   * Folders to watch (recursively): a changed `.css` file swaps the pages' stylesheets in place, any other
   * change reloads the pages. Code needs no watching here: the dev runner restarts the server on a change,
   * and a page that reconnects to a server that booted since reloads itself.
   */
  readonly watch?: readonly string[];
}

/** Where the pages' live-reload script and its event stream are served. */
export const LIVE_RELOAD_SCRIPT = `${LIVE_PATH}/live_reload.js`;
const EVENTS_PATH = `${LIVE_PATH}/live_reload`;

// EventSource reconnects by itself (here every 500 ms) while a restarting server is away; the first
// message after a reconnect names the server's boot, and a new boot means new code: reload.
const CLIENT = `(() => {
  let boot = null;
  const events = new EventSource(${JSON.stringify(EVENTS_PATH)});
  events.addEventListener("boot", (e) => {
    if (boot !== null && boot !== e.data) location.reload();
    boot = e.data;
  });
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href);
      url.searchParams.set("vsn", String(Date.now()));
      link.href = url.href;
    }
  });
})();
`;

/**
 * Development's live reload, as Phoenix's LiveReload: pages load a small script that listens on a
 * server-sent event stream; stylesheet changes swap the stylesheets, other changes and server restarts
 * reload the page. The endpoint never turns it on in production.
 */
export class LiveReload {
  readonly #boot = randomUUID();
  readonly #clients = new Set<ServerResponse>();
  readonly #watchers: FSWatcher[] = [];
  readonly #script: Asset;
  #pending: "css" | "reload" | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: LiveReloadOptions, logger: Logger) {
    const body = Buffer.from(CLIENT);
    this.#script = { body, contentType: "text/javascript; charset=utf-8", etag: `"${this.#boot}"` };
    for (const dir of opts.watch ?? []) {
      try {
        const watcher = watch(dir, { recursive: true }, (_event, file) => this.#changed(String(file ?? "")));
        watcher.on("error", (err) =>
          logger.log("warn", `live reload: stopped watching ${dir}: ${err.message}`),
        );
        this.#watchers.push(watcher);
      } catch (err) {
        logger.log("warn", `live reload: cannot watch ${dir}: ${(err as Error).message}`);
      }
    }
  }

  /** Serves the script or the event stream; false when `path` is neither. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path === LIVE_RELOAD_SCRIPT) {
      serveAsset(req, res, this.#script);
      return true;
    }
    if (path !== EVENTS_PATH) return false;
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    res.write(`retry: 500\nevent: boot\ndata: ${this.#boot}\n\n`);
    this.#clients.add(res);
    res.on("close", () => this.#clients.delete(res));
    return true;
  }

  /** Stops watching and ends every open stream (so that the server can close). */
  close(): void {
    for (const w of this.#watchers) w.close();
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  // Editors write a file in several steps (and several files at once): one message per burst, and a
  // reload wins over a stylesheet swap.
  #changed(file: string): void {
    const kind = extname(file) === ".css" ? "css" : "reload";
    this.#pending = this.#pending === "reload" ? "reload" : kind;
    this.#timer ??= setTimeout(() => {
      const event = this.#pending;
      this.#pending = null;
      this.#timer = null;
      for (const res of this.#clients) res.write(`event: ${event}\ndata: ${Date.now()}\n\n`);
    }, 50);
  }
}

/** The endpoint's live reload for its `liveReload` option: none when off, and none in production. */
export function liveReloadFor(
  option: boolean | LiveReloadOptions | undefined,
  logger: Logger,
): LiveReload | null {
  if (option === undefined || option === false) return null;
  if (!strictChecks()) {
    logger.log("warn", "createEndpoint: liveReload is ignored in production (NODE_ENV=production)");
    return null;
  }
  if (option !== true && (typeof option !== "object" || option === null))
    throw new TypeError("createEndpoint: liveReload must be a boolean or { watch: [folders] }");
  return new LiveReload(option === true ? {} : option, logger);
}
