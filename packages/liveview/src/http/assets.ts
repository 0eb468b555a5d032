import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** A static file the endpoint serves from memory. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const require = createRequire(import.meta.url);

// The two packages restrict their "exports", so their files are found next to their main entries
// (priv/static/*.cjs.js), where the browser bundles live too.
const phoenixStatic = dirname(require.resolve("phoenix"));
const liveViewStatic = dirname(require.resolve("phoenix_live_view"));

/** The pinned client's version (`phoenix_live_view/package.json`), echoed in join replies. */
export const LIVEVIEW_VERSION: string = JSON.parse(
  readFileSync(join(liveViewStatic, "../../package.json"), "utf8"),
).version;

/** Where the websocket (`/live/websocket`) and the client's assets (`/live/assets/*`) are served. */
export const LIVE_PATH = "/live";

/**
 * The client's boot script: reads the CSRF token from the page and connects the LiveSocket, with the
 * `hooks` and `uploaders` of the app's client module when there is one (the `client.module` option).
 */
function bootScript(module: string | undefined): string {
  const connect = `const connect = (app) => {
    const liveSocket = new LiveView.LiveSocket(${JSON.stringify(LIVE_PATH)}, Phoenix.Socket, {
      params: { _csrf_token: csrfToken },
      hooks: (app && app.hooks) || {},
      uploaders: (app && app.uploaders) || {},
    });
    liveSocket.connect();
    window.liveSocket = liveSocket;
  };`;
  // A module that fails to load must not leave the page dead: connect without it, and say why.
  const start =
    module === undefined
      ? "connect(null);"
      : `import(${JSON.stringify(module)}).then(connect, (err) => {
    console.error("could not load the client module " + ${JSON.stringify(module)} + ":", err);
    connect(null);
  });`;
  return `(() => {
  const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
  ${connect}
  ${start}
})();
`;
}

/**
 * The files under `/live/assets/`: the official bundles, served as they ship in their npm
 * packages (global `Phoenix` and `LiveView`), and the boot script.
 */
export function loadAssets(clientModule?: string): Map<string, Asset> {
  const js = "text/javascript; charset=utf-8";
  const assets = new Map<string, Asset>();
  const add = (name: string, body: Buffer) => {
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    assets.set(`${LIVE_PATH}/assets/${name}`, { body, contentType: js, etag });
  };
  add("phoenix.min.js", readFileSync(join(phoenixStatic, "phoenix.min.js")));
  add("phoenix_live_view.min.js", readFileSync(join(liveViewStatic, "phoenix_live_view.min.js")));
  add("boot.js", Buffer.from(bootScript(clientModule)));
  return assets;
}

/** Answers a request for `asset`: 304 when the client's copy is current, else the file (no body for HEAD). */
export function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers = {
    "content-type": asset.contentType,
    etag: asset.etag,
    // Not fingerprinted in the URL, so revalidate, but let caches keep them for an hour meanwhile.
    "cache-control": "public, max-age=3600",
  };
  if (req.headers["if-none-match"] === asset.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": String(asset.body.length) });
  res.end(req.method === "HEAD" ? undefined : asset.body);
}
