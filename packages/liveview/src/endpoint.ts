import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { runtime as defaultRuntime, type Pid, type Runtime, self, send } from "@cinder/actors";
import type { BroadcastResult, PubSub } from "@cinder/pubsub";
import { WebSocketServer } from "ws";
import type { UserSocket } from "./channels/user_socket.js";
import { type MountedUserSocket, mountUserSockets } from "./channels/user_socket.js";
import { acceptUserSocket } from "./channels/user_socket_accept.js";
import type { UserSocketContext } from "./channels/user_socket_process.js";
import type { Flash } from "./flash.js";
import { LIVE_PATH, LIVEVIEW_VERSION, loadAssets } from "./http/assets.js";
import { type ClientOptions, clientSetup } from "./http/client_options.js";
import { connectSpan } from "./http/connect_span.js";
import { type ContentSecurityPolicy, cspHeader, type DEFAULT_CSP } from "./http/csp.js";
import type { DeadRenderResult } from "./http/dead_render.js";
import { defaultFavicon } from "./http/favicon.js";
import { HttpFront } from "./http/http_front.js";
import { defaultLayout, type Layout } from "./http/layout.js";
import { type LiveReload, type LiveReloadOptions, liveReloadFor } from "./http/live_reload.js";
import { type CheckOrigin, compileCheckOrigin } from "./http/origin.js";
import { pathOf } from "./http/request.js";
import { type ServerLimits, serverLimits } from "./http/server_limits.js";
import { StaticFiles, type StaticOptions } from "./http/static_files.js";
import { checkUpgrade, rejectUpgrade, type UpgradeChecks } from "./http/upgrade.js";
import { LogLimiter, type LogRate } from "./log_limiter.js";
import { createLogger, filterParams, formatDuration, inspectParams, type Logger } from "./logger.js";
import { type RouteGroup, Router, type Routes } from "./router.js";
import { type ErrorBudget, type EventRate, socketLimits } from "./socket/socket_guard.js";
import { type SocketContext, socketBehaviour } from "./socket/socket_process.js";
import { Signer } from "./token.js";
import { Connections } from "./transport/connections.js";
import { connectMemory, type MemoryConnection } from "./transport/memory_connection.js";
import { type Transport, TransportClosed } from "./transport/transport.js";
import { uploadDir } from "./upload/upload_dir.js";
import { type OnMount, type OnMountOption, onMountHooks } from "./view/on_mount.js";
import type { Session } from "./view/view.js";
import { viewLauncher } from "./view/view_process.js";

/** What `endpoint.broadcast` delivers to every subscriber, as Phoenix's `%Phoenix.Socket.Broadcast{}`. */
export interface Broadcast<P = unknown> {
  readonly topic: string;
  readonly event: string;
  readonly payload: P;
}

/** Options for {@link createEndpoint}. */
export interface EndpointOptions extends ServerLimits {
  /**
   * Paths to live views, `{ "/": Home, "/users/:id": User }`, or named groups of them (Phoenix's
   * `live_session`), `[{ name: "public", routes: {...} }, { name: "admin", onMount: requireAdmin, routes:
   * {...} }]`: a group's routes share `onMount` hooks and `session` data, and live navigation stays inside
   * a group (see {@link RouteGroup}).
   */
  routes: Routes;
  /** Hooks run before every view's `mount`, first of all (see {@link OnMount}). */
  onMount?: OnMountOption;
  /** The PubSub behind `subscribe` and `broadcast`. */
  pubsub: PubSub;
  /** Signs session, flash and CSRF tokens: at least 32 characters, secret, the same on every node. */
  secret: string;
  /** The page around each view (default: a minimal HTML5 page). */
  layout?: Layout;
  /**
   * The app's browser side, with no layout to write: `{ module: "/app.js" }`, an ES module whose exported
   * `hooks` and `uploaders` the client gets, plus `scripts` and `stylesheets` for every page. See
   * {@link ClientOptions}.
   */
  client?: ClientOptions;
  /**
   * A folder served as is (`"public"`, or `{ dir, at?, maxAge? }`): ETags, cache headers, types by extension,
   * no path traversal, no hidden files. Without one (or without `favicon.ico` in it) `/favicon.ico` is a
   * small default icon. See {@link StaticOptions}.
   */
  static?: StaticOptions | string;
  /** Which origins may open the websocket (default `true`: the page's own). See {@link CheckOrigin}. */
  checkOrigin?: CheckOrigin;
  /** Require the page's CSRF token on websocket connect (default true). */
  checkCsrf?: boolean;
  /**
   * Session data for `mount`, from the HTTP request (e.g. the user id from your auth cookie). It is
   * signed into the page, not encrypted: the browser can read it. Must be JSON.
   */
  session?: (req: IncomingMessage) => Session | Promise<Session>;
  /** The page title when a view sets none (default "Cinder"). */
  title?: string;
  /** Where logs go (default: stderr at `LOG_LEVEL`). */
  logger?: Logger;
  /** The runtime for socket and view processes (default: the default runtime). */
  runtime?: Runtime;
  /** Largest websocket frame accepted, in bytes (default 1 MiB); a larger one closes the socket (1009). */
  maxPayload?: number;
  /** Max age of a page's session token in ms (default two weeks, as Phoenix); older joins get `stale`. */
  sessionMaxAge?: number;
  /** Close a websocket that sent nothing (not even a heartbeat) for this many ms (default 60 000). */
  idleTimeout?: number;
  /** Bytes queued for a websocket that does not read before it is dropped (default 16 MiB). */
  maxBuffered?: number;
  /**
   * Trust the `X-Forwarded-Proto` header (default false): set it only behind a reverse proxy that sets
   * (or strips) it. It then decides whether a request came over https: for `Secure` cookies, the page's
   * URL, and the scheme the default Origin check expects.
   */
  trustProxy?: boolean;
  /**
   * The `Content-Security-Policy` header of pages (default {@link DEFAULT_CSP}): directives merged over
   * the default, a whole policy string, or `false` for none. See {@link ContentSecurityPolicy}.
   */
  contentSecurityPolicy?: ContentSecurityPolicy;
  /**
   * Frames one websocket may send (default `{ burst: 100, perSecond: 50 }`; heartbeats are free). Past it a
   * frame is answered `{reason: "too many events"}` and counts against {@link errorBudget}.
   */
  eventRate?: EventRate;
  /** More protocol errors than this from one websocket closes it with 1008 (default 20 per 10 000 ms). */
  errorBudget?: ErrorBudget;
  /**
   * Log lines one client may cause per interval (default 20 per 10 000 ms per websocket, and for all 404s and
   * all refused handshakes); past it they are counted and summed up in one line per interval.
   */
  logRate?: LogRate;
  /**
   * Development's live reload (default off): pages reload when the server restarts with new code or a
   * watched file changes, and swap their stylesheets when a watched `.css` file changes. Ignored, with a
   * warning, in production (`NODE_ENV=production`). See {@link LiveReloadOptions}.
   */
  liveReload?: boolean | LiveReloadOptions;
  /**
   * User sockets for channels, by path (Phoenix's `socket "/socket", UserSocket`): phoenix.js clients
   * connect to `<path>/websocket` and join the channels each lists. Origin is checked as for the live
   * socket; no CSRF token (they authenticate with params in `connect`). See {@link UserSocket}.
   */
  sockets?: Readonly<Record<string, UserSocket>>;
}

const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;

/**
 * Serves live views over HTTP and websockets: the dead render of each route, the official client's
 * bundles, and `/live/websocket`, where each connection gets a socket process and each joined
 * view its own process. Mount it into any Node HTTP server with {@link handler} and
 * {@link handleUpgrade}, or let {@link listen} make one.
 *
 * The endpoint only wires the layers: the HTTP side (`http/`), the websockets (`transport/`), the socket
 * processes (`socket/`) and the view processes (`view/`).
 */
export class Endpoint {
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly #ctx: SocketContext;
  readonly #rt: Runtime;
  readonly #http: HttpFront;
  readonly #upgradeChecks: UpgradeChecks;
  readonly #wss: WebSocketServer;
  readonly #conns: Connections;
  /** Socket processes of the test harness's in-memory connections. */
  readonly #memory = new Set<Pid>();
  #server: Server | null = null;
  #closing: Promise<void> | null = null;
  /** Log lines of requests anyone can make in bulk, rate-limited (see {@link LogLimiter}). */
  readonly #notFound: LogLimiter;
  readonly #refused: LogLimiter;
  readonly #serverLimits: Required<ServerLimits>;
  readonly #liveReload: LiveReload | null;
  /** User sockets by websocket path, and what their socket processes share. */
  readonly #userSockets: Map<string, MountedUserSocket>;
  readonly #userCtx: UserSocketContext;

  constructor(opts: EndpointOptions) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("createEndpoint: expected options");
    if (
      typeof opts.pubsub !== "object" ||
      opts.pubsub === null ||
      typeof opts.pubsub.broadcast !== "function"
    ) {
      throw new TypeError("createEndpoint: pubsub must be a PubSub (await PubSub.start({ name }))");
    }
    this.pubsub = opts.pubsub;
    this.logger = opts.logger ?? createLogger();
    this.#rt = opts.runtime ?? defaultRuntime();
    const signer = new Signer(opts.secret);
    this.#ctx = {
      router: new Router(opts.routes, onMountHooks(opts.onMount, "createEndpoint")),
      signer,
      logger: this.logger,
      liveviewVersion: LIVEVIEW_VERSION,
      sessionMaxAgeMs: opts.sessionMaxAge ?? TWO_WEEKS_MS,
      views: viewLauncher,
      limits: socketLimits(opts, "createEndpoint"),
    };
    const { logRate } = this.#ctx.limits;
    this.#notFound = new LogLimiter(this.logger, logRate, "404 responses");
    this.#refused = new LogLimiter(this.logger, logRate, "refused websocket handshakes");
    this.#serverLimits = serverLimits(opts, "createEndpoint");
    this.#liveReload = liveReloadFor(opts.liveReload, this.logger);
    const client = clientSetup(opts.client);
    this.#http = new HttpFront({
      ctx: this.#ctx,
      runtime: this.#rt,
      assets: loadAssets(client.module),
      layout: opts.layout ?? defaultLayout,
      title: opts.title ?? "Cinder",
      csp: cspHeader(opts.contentSecurityPolicy, client.csp),
      trustProxy: opts.trustProxy === true,
      session: opts.session,
      notFound: this.#notFound,
      liveReload: this.#liveReload,
      staticFiles: opts.static === undefined ? null : new StaticFiles(opts.static),
      favicon: defaultFavicon(),
      clientHead: client.head,
    });
    this.#upgradeChecks = {
      checkOrigin: compileCheckOrigin(opts.checkOrigin ?? true),
      checkCsrf: opts.checkCsrf !== false,
      signer,
      log: this.#refused,
    };
    this.#conns = new Connections({
      runtime: this.#rt,
      logger: this.logger,
      spawnSocket: (transport) => this.#spawnSocket(transport),
      maxBuffered: opts.maxBuffered ?? 16 * 1024 * 1024,
      idleTimeout: opts.idleTimeout ?? 60_000,
    });
    this.#userSockets = mountUserSockets(opts.sockets, [LIVE_PATH], "createEndpoint");
    this.#userCtx = { pubsub: this.pubsub, logger: this.logger, limits: this.#ctx.limits };
    // Temp files of uploads that an earlier process left (it crashed, or was killed) go now, at start.
    uploadDir().catch((err) => this.logger.log("warn", `cleaning the upload folder failed: ${String(err)}`));
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayload ?? 1024 * 1024,
      // Compression off: diffs are small, and deflate state costs ~300 KB per connection in zlib.
      perMessageDeflate: false,
      // The endpoint tracks its connections itself (Connections); ws's own Set would hold each one again,
      // with a close listener (a closure) per connection.
      clientTracking: false,
    });
  }

  /**
   * The request listener: dead renders of live routes and the client's assets. Anything else goes to
   * `next` when given (Express-style middleware), else gets a 404.
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    this.#http.handle(req, res, next);
  };

  /** @internal The dead render of `req.url` with a given CSRF token (the test harness). */
  render(req: IncomingMessage, token: string, flash: Flash): Promise<DeadRenderResult> {
    return this.#http.render(req, token, flash);
  }

  /**
   * The `upgrade` listener: accepts `/live/websocket` after checking Origin, the CSRF token and
   * the serializer version; answers anything else with an HTTP error and closes it.
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const start = process.hrtime.bigint();
    // A reset during the handshake must not become an uncaught 'error' event. (A module-level function:
    // a closure made here would keep this call's variables alive for as long as the socket lives.)
    socket.on("error", ignore);
    const path = pathOf(req.url);
    const user = this.#userSockets.get(path);
    if (user === undefined && path !== `${LIVE_PATH}/websocket`) return rejectUpgrade(socket, 404);
    if (user !== undefined) {
      if (this.#closing !== null) return rejectUpgrade(socket, 503);
      return this.#upgradeUserSocket(user, req, socket, head);
    }
    const span = connectSpan();
    if (this.#closing !== null) return rejectUpgrade(socket, 503, span);
    const checked = checkUpgrade(req, this.#http.https(req), this.#upgradeChecks);
    if ("status" in checked) return rejectUpgrade(socket, checked.status, span);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#conns.accept(ws);
      span?.end(filterParams(checked.params));
      if (this.logger.enabled("info")) {
        this.logger.log(
          "info",
          `CONNECTED TO Cinder.LiveView.Socket in ${formatDuration(start)}\n  Transport: :websocket\n` +
            `  Serializer: Phoenix.Socket.V2.JSONSerializer\n  Parameters: ${inspectParams(checked.params)}`,
        );
      }
    });
  };

  /** A handshake to a user socket: Origin and version as the live socket, no CSRF, then its `connect`. */
  #upgradeUserSocket(user: MountedUserSocket, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const checked = checkUpgrade(req, this.#http.https(req), { ...this.#upgradeChecks, checkCsrf: false });
    if ("status" in checked) return rejectUpgrade(socket, checked.status);
    void acceptUserSocket(user, req, checked.params, {
      ctx: this.#userCtx,
      runtime: this.#rt,
      refused: this.#refused,
      closing: () => this.#closing !== null,
      upgrade: (spawn) => this.#wss.handleUpgrade(req, socket, head, (ws) => this.#conns.accept(ws, spawn)),
      reject: (status) => rejectUpgrade(socket, status),
    });
  }

  #spawnSocket(transport: Transport): Pid {
    return this.#rt.spawn(
      socketBehaviour,
      { ctx: this.#ctx, transport },
      // A client cannot queue unbounded work: past this many unprocessed frames the socket is dropped.
      { trapExit: true, mailbox: { max: 10_000, onOverflow: "exit" } },
    );
  }

  /** @internal A socket fed by the test harness instead of a websocket: the real socket process. */
  connectMemory(
    onFrame: (frame: string) => void,
    onClose: (code: number, reason: string) => void,
  ): MemoryConnection {
    const conn = connectMemory((transport) => this.#spawnSocket(transport), onFrame, onClose);
    const pid = conn.pid;
    this.#memory.add(pid);
    this.#rt.watch(pid, () => this.#memory.delete(pid));
    return conn;
  }

  /** Open websocket connections. */
  get connections(): number {
    return this.#conns.size;
  }

  /** Starts a node:http server with {@link handler} and {@link handleUpgrade}; resolves to its port. */
  listen(port = 4000, host?: string): Promise<number> {
    if (this.#server !== null) return Promise.reject(new Error("listen: this endpoint is already listening"));
    const limits = this.#serverLimits;
    const server = createServer(
      {
        headersTimeout: limits.headersTimeout,
        requestTimeout: limits.requestTimeout,
        // Node checks the two timeouts only this often (30 s by default, which would make 10 s mean 40 s).
        connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(limits.headersTimeout / 4))),
      },
      this.handler,
    );
    server.maxConnections = limits.maxConnections;
    const dropped = new LogLimiter(this.logger, this.#ctx.limits.logRate, "refused connections");
    server.on("drop", () =>
      dropped.log("warn", `refused a connection: maxConnections (${limits.maxConnections}) reached`),
    );
    server.on("upgrade", this.handleUpgrade);
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        const actual = (server.address() as AddressInfo).port;
        this.logger.log("info", `Running with Cinder.LiveView at http://${host ?? "localhost"}:${actual}`);
        resolve(actual);
      });
    });
  }

  /**
   * Stops gracefully: refuses new websockets, closes every open one with 1001 (going away; clients
   * reconnect elsewhere), waits up to `graceMs` for their socket processes and views to stop (each
   * view's `terminate` runs), then closes the server made by {@link listen}, if any.
   */
  close(graceMs = 5000): Promise<void> {
    this.#closing ??= this.#close(graceMs);
    return this.#closing;
  }

  async #close(graceMs: number): Promise<void> {
    const server = this.#server;
    this.#liveReload?.close();
    const closed = server === null ? Promise.resolve() : new Promise<void>((r) => server.close(() => r()));
    const memory = [...this.#memory];
    const pids = [...this.#conns.pids(), ...memory];
    const stopped = pids.map(
      (pid) =>
        new Promise<void>((r) => {
          if (this.#rt.watch(pid, () => r()) === null) r();
        }),
    );
    this.#conns.closeAll();
    for (const pid of memory) send(pid, new TransportClosed());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stopped), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.#conns.terminateAll();
    this.#wss.close();
    this.#notFound.flush();
    this.#refused.flush();
    server?.closeAllConnections();
    await closed;
  }

  /** Subscribes the calling process (or `pid`) to `topic`; broadcasts arrive in `handleInfo`. */
  subscribe(topic: string): void;
  subscribe(pid: Pid, topic: string): void;
  subscribe(a: Pid | string, b?: string): void {
    if (typeof a === "string") this.pubsub.subscribe(self(), a);
    else this.pubsub.subscribe(a, b as string);
  }

  /** Unsubscribes the calling process (or `pid`) from `topic`. */
  unsubscribe(topic: string): void;
  unsubscribe(pid: Pid, topic: string): void;
  unsubscribe(a: Pid | string, b?: string): void {
    if (typeof a === "string") this.pubsub.unsubscribe(self(), a);
    else this.pubsub.unsubscribe(a, b as string);
  }

  /** Sends `{ topic, event, payload }` to every subscriber of `topic`, on every node. */
  broadcast<P>(topic: string, event: string, payload: P): Promise<BroadcastResult> {
    const msg: Broadcast<P> = { topic, event, payload };
    return this.pubsub.broadcast(topic, msg);
  }

  /** As {@link broadcast}, except to `from` (usually `self()`: "everyone but me"). */
  broadcastFrom<P>(from: Pid, topic: string, event: string, payload: P): Promise<BroadcastResult> {
    const msg: Broadcast<P> = { topic, event, payload };
    return this.pubsub.broadcastFrom(from, topic, msg);
  }
}

/** Creates an {@link Endpoint}. */
export function createEndpoint(opts: EndpointOptions): Endpoint {
  return new Endpoint(opts);
}

function ignore(): void {}
