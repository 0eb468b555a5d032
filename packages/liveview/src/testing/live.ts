import type { IncomingMessage } from "node:http";
import type { Runtime } from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";
import { createEndpoint, type Endpoint } from "../endpoint.js";
import { createLogger, type Logger } from "../logger.js";
import type { LiveView, Session } from "../view/view.js";
import { LiveViewTest } from "./live_view_test.js";
import { RedirectError } from "./outcomes.js";

/** Options for {@link live}. */
export interface LiveOptions {
  /** Request headers for the dead render (what the endpoint's `session` callback reads). */
  headers?: Record<string, string>;
  /** Connect params (`get_connect_params`), as the client's `LiveSocket` `params` option. */
  connectParams?: Record<string, unknown>;
  /** How long to wait for each reply, in ms (default 5000). */
  timeout?: number;
}

/**
 * Renders `path` as the endpoint would over HTTP, then connects in memory and joins the view.
 * Rejects with {@link RedirectError} when the dead render redirects, with {@link ReplyError} when
 * the join is refused.
 */
export async function live(endpoint: Endpoint, path: string, opts: LiveOptions = {}): Promise<LiveViewTest> {
  const headers = { host: "localhost", ...opts.headers };
  const req = { url: path, method: "GET", headers, socket: {} } as unknown as IncomingMessage;
  const page = await endpoint.render(req, "", {});
  if (page.kind === "redirect") throw new RedirectError(page.to);
  const staticToken = /data-phx-static="([^"]*)"/.exec(page.html)?.[1] ?? null;
  const view = new LiveViewTest(
    endpoint,
    page.id,
    new URL(path, `http://${headers.host}`).href,
    opts.timeout ?? 5000,
  );
  await view.join(page.sessionToken, staticToken, opts.connectParams ?? {});
  return view;
}

/** Options for {@link liveIsolated}. */
export interface LiveIsolatedOptions extends LiveOptions {
  /** The PubSub for `subscribe`/`broadcast` (default: a fresh local one). */
  pubsub?: PubSub;
  /** The session `mount` receives. */
  session?: Session;
  /** The route to mount it at (default "/"); `path` may then fill its params. */
  route?: string;
  /** The path to load (default: the route). */
  path?: string;
  /** Logs (default: errors only, so test output stays quiet). */
  logger?: Logger;
  /** The runtime of its processes (default: the default runtime); give one with its own logger to capture crashes. */
  runtime?: Runtime;
}

/**
 * Mounts one view on its own endpoint (a throwaway secret, a local PubSub unless given) and joins it.
 * `view.endpoint` is that endpoint, for `broadcast` in the test.
 */
export async function liveIsolated(
  view: LiveView,
  opts: LiveIsolatedOptions = {},
): Promise<LiveViewTest & { endpoint: Endpoint }> {
  const { PubSub } = await import("@cinder/pubsub");
  const pubsub =
    opts.pubsub ?? (await PubSub.start({ name: `cinder-test-${++isolated}`, runtime: opts.runtime }));
  const route = opts.route ?? "/";
  const endpoint = createEndpoint({
    routes: { [route]: view },
    pubsub,
    secret: `test-secret-${isolated}-${"x".repeat(32)}`,
    session: () => opts.session ?? {},
    logger: opts.logger ?? createLogger({ level: "error" }),
    runtime: opts.runtime,
  });
  const lv = await live(endpoint, opts.path ?? route, opts);
  return Object.assign(lv, { endpoint });
}

let isolated = 0;
