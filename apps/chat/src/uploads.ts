import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { IMAGE_PATH } from "./message.js";

const TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/**
 * An uploaded image. Only names the app made itself are served (random, with an image extension), so a path
 * never reaches outside the folder; the type comes from the extension and the browser may not sniff another.
 */
export async function serveUpload(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string,
  path: string,
): Promise<void> {
  if (!IMAGE_PATH.test(path)) return void res.writeHead(404).end();
  const file = join(dir, path.slice("/uploads/".length));
  const info = await stat(file).catch(() => null);
  if (info === null || !info.isFile()) return void res.writeHead(404).end();
  res.writeHead(200, {
    "content-type": TYPES[path.slice(path.lastIndexOf(".") + 1)],
    "content-length": String(info.size),
    "x-content-type-options": "nosniff",
    "cache-control": "public, max-age=31536000, immutable",
  });
  if (req.method === "HEAD") return void res.end();
  createReadStream(file).pipe(res);
}
