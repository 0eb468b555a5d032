import { createReadStream, realpathSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { strictChecks } from "@cinder/actors";
import { hasUnsafeUrlChars } from "../local_path.js";

/** The endpoint's `static` option: a folder whose files are served as they are. */
export interface StaticOptions {
  /** The folder (relative to the working directory, or absolute). */
  readonly dir: string;
  /** The URL path the folder is served at (default `/`: `dir/app.js` is `/app.js`). */
  readonly at?: string;
  /**
   * `Cache-Control: max-age` in seconds (default 3600 in production; 0 elsewhere, so an edited file is
   * seen on the next load). Browsers revalidate with the ETag either way.
   */
  readonly maxAge?: number;
}

// What browsers need to know to use a file; anything else is served as bytes to download.
const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
};

/** The content type of a file name, by its extension (`application/octet-stream` when unknown). */
export function mimeType(name: string): string {
  return MIME[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Serves the files of one folder: GET and HEAD only, with an ETag (304 when it matches), `Last-Modified`,
 * `Cache-Control` and the type by extension (`nosniff`). A request path is decoded segment by segment and
 * refused (not found) if any segment is empty, `.` or `..`, starts with a dot (hidden files), or holds a
 * slash, a backslash or a control character once decoded; the file's real path (symbolic links resolved)
 * must still be inside the folder. Folders are not listed.
 */
export class StaticFiles {
  readonly #root: string;
  readonly #at: string;
  readonly #cacheControl: string;

  constructor(option: StaticOptions | string) {
    const opts = typeof option === "string" ? { dir: option } : option;
    const bad = (why: string) => new TypeError(`createEndpoint: static: ${why}`);
    if (typeof opts !== "object" || opts === null || typeof opts.dir !== "string")
      throw bad("expected a folder, or { dir, at?, maxAge? }");
    let root: string;
    try {
      root = realpathSync(resolve(opts.dir));
      if (!statSync(root).isDirectory()) throw new Error("not a folder");
    } catch (err) {
      throw bad(`${JSON.stringify(opts.dir)} is not a readable folder (${(err as Error).message})`);
    }
    const at = opts.at ?? "/";
    if (typeof at !== "string" || !at.startsWith("/") || hasUnsafeUrlChars(at))
      throw bad(`at must be a path starting with "/", got ${JSON.stringify(at)}`);
    const maxAge = opts.maxAge ?? (strictChecks() ? 0 : 3600);
    if (!Number.isInteger(maxAge) || maxAge < 0) throw bad("maxAge must be an integer >= 0 (seconds)");
    this.#root = root;
    this.#at = at.endsWith("/") ? at : `${at}/`;
    this.#cacheControl = maxAge === 0 ? "no-cache" : `public, max-age=${maxAge}`;
  }

  /**
   * Serves `path` if it names a file of the folder: resolves to true once answered, false when it is not
   * one (the caller goes on to routes, or a 404).
   */
  async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const method = req.method ?? "GET";
    if ((method !== "GET" && method !== "HEAD") || !path.startsWith(this.#at)) return false;
    const file = this.#file(path.slice(this.#at.length));
    if (file === null) return false;
    let real: string;
    let size: number;
    let mtime: Date;
    try {
      const s = await stat(file);
      if (!s.isFile()) return false;
      // A link inside the folder may point outside it: only what really lives inside is served.
      real = realpathSync(file);
      if (!real.startsWith(this.#root + sep)) return false;
      size = s.size;
      mtime = s.mtime;
    } catch {
      return false;
    }
    const etag = `W/"${size.toString(36)}-${Math.floor(mtime.getTime()).toString(36)}"`;
    const headers: Record<string, string> = {
      "content-type": mimeType(real),
      etag,
      "last-modified": mtime.toUTCString(),
      "cache-control": this.#cacheControl,
      "x-content-type-options": "nosniff",
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, "content-length": String(size) });
    if (method === "HEAD") {
      res.end();
      return true;
    }
    const stream = createReadStream(real);
    // A file removed or unreadable mid-way: the response cannot change status any more, so it is cut.
    stream.on("error", () => res.destroy());
    res.on("close", () => stream.destroy());
    stream.pipe(res);
    return true;
  }

  /** The file a URL path (below `at`) names, or null when the path is refused (see the class). */
  #file(rest: string): string | null {
    if (rest === "") return null;
    const segments: string[] = [];
    for (const raw of rest.split("/")) {
      let seg: string;
      try {
        seg = decodeURIComponent(raw);
      } catch {
        return null;
      }
      if (seg === "" || seg.startsWith(".") || seg.includes("/") || hasUnsafeUrlChars(seg)) return null;
      segments.push(seg);
    }
    const file = resolve(this.#root, ...segments);
    return file.startsWith(this.#root + sep) ? file : null;
  }
}
