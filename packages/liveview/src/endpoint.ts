import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { runtime as defaultRuntime, type Pid, type Runtime, self, send } from "@cinder/actors";
import type { BroadcastResult, PubSub } from "@cinder/pubsub";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { type Asset, LIVEVIEW_VERSION, loadAssets } from "./assets.js";
import type { Transport } from "./channel/frame.js";
import { Outbox } from "./channel/outbox.js";
import { Incoming, socketBehaviour, TransportClosed } from "./channel/socket.js";
import { type ErrorBudget, type EventRate, socketLimits } from "./channel/socket_guard.js";
import { sendText } from "./channel/ws_write.js";
import type { LiveContext } from "./context.js";
import { parseCookies, serializeCookie } from "./cookies.js";
import { type ContentSecurityPolicy, cspHeader, type DEFAULT_CSP } from "./csp.js";
import { CSRF_COOKIE, checkCsrfToken, csrfToken, isCsrfSecret, newCsrfSecret } from "./csrf.js";
import { type DeadRenderResult, deadRender } from "./dead_render.js";
import { defaultLayout, type Layout } from "./layout.js";
import { LogLimiter, type LogRate } from "./log_limiter.js";
import { clip, createLogger, formatDuration, inspectParams, type Logger, quote } from "./logger.js";
import { type CheckOrigin, type CompiledCheckOrigin, compileCheckOrigin, originAllowed } from "./origin.js";
import { decodeParams } from "./params.js";
import { Router, type Routes } from "./router.js";
import { type ServerLimits, serverLimits } from "./server_limits.js";
import { Signer } from "./token.js";
import type { Session } from "./view.js";
import { verifyFlash } from "./view_process.js";

/** What `endpoint.broadcast` delivers to every subscriber, as Phoenix's `%Phoenix.Socket.Broadcast{}`. */
export interface Broadcast<P = unknown> {
  readonly topic: string;
  readonly event: string;
  readonly payload: P;
}

/** Options for {@link createEndpoint}. */
export interface EndpointOptions extends ServerLimits {
  /** Paths to live views (see {@link Routes}). */
  routes: Routes;
  /** The PubSub behind `subscribe` and `broadcast`. */
  pubsub: PubSub;
  /** Signs session, flash and CSRF tokens: at least 32 characters, secret, the same on every node. */
  secret: string;
  /** The page around each view (default: a minimal HTML5 page). */
  layout?: Layout;
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
  /** Where the websocket and the client's assets live (default "/live"). */
  livePath?: string;
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
  /** Channels (views) one websocket may join at once (default 100). */
  maxChannels?: number;
  /** Bytes queued for a websocket that does not read before it is dropped (default 16 MiB). */
  maxBuffered?: number;
  /**
   * Frames are written once every runnable process has run (a broadcast's frames then go out together),
   * but never held longer than this many ms (default 50). See `Outbox`.
   */
  writeHoldMs?: number;
  /** Mark cookies `Secure` (default: when the request came over TLS, or over https per {@link trustProxy}). */
  secureCookies?: boolean;
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
}

/** A connection made by the test harness: frames in, frames out, no network. */
export interface MemoryConnection {
  /** Hands a text frame to the socket process, as the websocket would. */
  receive(frame: string): void;
  /** Closes the connection, as a websocket close would. */
  close(): void;
  /** The socket process. */
  readonly pid: Pid;
}

const CONNECTION = Symbol("cinder.connection");
type WsWithConnection = WebSocket & { [CONNECTION]?: Connection };

/** One websocket: the transport its socket process writes to, and when the client was last heard from. */
class Connection implements Transport {
  lastSeen = Date.now();
  pid: Pid = null as unknown as Pid;

  constructor(
    readonly ws: WebSocket,
    private readonly outbox: Outbox,
    private readonly conns: Set<Connection>,
    readonly logger: Logger,
  ) {}

  send(frame: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.outbox.push(this.ws, frame);
  }

  close(code: number, reason: string): void {
    // What was sent before the close goes out before it.
    this.outbox.flush();
    this.ws.close(code, reason);
  }

  /** The websocket closed. */
  closed(): void {
    this.conns.delete(this);
    send(this.pid, new TransportClosed());
  }

  /** The socket process ended first. */
  socketExited(): void {
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
      this.close(1011, "socket process exited");
  }
}

function onMessage(this: WsWithConnection, data: RawData, isBinary: boolean): void {
  const conn = this[CONNECTION]!;
  conn.lastSeen = Date.now();
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  send(conn.pid, new Incoming(isBinary ? buf : buf.toString("utf8"), isBinary));
}

function onClose(this: WsWithConnection): void {
  this[CONNECTION]!.closed();
}

function onError(this: WsWithConnection, err: Error): void {
  this[CONNECTION]!.logger.log("warn", `websocket error: ${err.message}`);
}

function ignore(): void {}

const FLASH_COOKIE = "__phoenix_flash__";
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;

/**
 * Serves live views over HTTP and websockets: the dead render of each route, the official client's
 * bundles, and `<livePath>/websocket`, where each connection gets a socket process and each joined
 * view its own process. Mount it into any Node HTTP server with {@link handler} and
 * {@link handleUpgrade}, or let {@link listen} make one.
 */
export class Endpoint {
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly livePath: string;
  readonly #ctx: LiveContext;
  readonly #rt: Runtime;
  readonly #router: Router;
  readonly #signer: Signer;
  readonly #assets: Map<string, Asset>;
  readonly #wss: WebSocketServer;
  readonly #opts: EndpointOptions;
  readonly #layout: Layout;
  readonly #checkOrigin: CompiledCheckOrigin;
  /** The pages' Content-Security-Policy header value, null for none. */
  readonly #csp: string | null;
  readonly #conns = new Set<Connection>();
  readonly #memory = new Set<Pid>();
  #server: Server | null = null;
  readonly #maxBuffered: number;
  /** Frames for the websockets, written together once the scheduler is idle (see {@link Outbox}). */
  readonly #outbox: Outbox;
  #sweep: NodeJS.Timeout | null = null;
  #closing: Promise<void> | null = null;
  /** Log lines of requests anyone can make in bulk, rate-limited (see {@link LogLimiter}). */
  readonly #notFound: LogLimiter;
  readonly #refused: LogLimiter;
  readonly #serverLimits: Required<ServerLimits>;

  constructor(opts: EndpointOptions) {
    if (typeof opts !== "object" || opts === null) throw new TypeError("createEndpoint: expected options");
    if (
      typeof opts.pubsub !== "object" ||
      opts.pubsub === null ||
      typeof opts.pubsub.broadcast !== "function"
    ) {
      throw new TypeError("createEndpoint: pubsub must be a PubSub (await PubSub.start({ name }))");
    }
    this.#opts = opts;
    this.pubsub = opts.pubsub;
    this.logger = opts.logger ?? createLogger();
    this.livePath = (opts.livePath ?? "/live").replace(/\/$/, "");
    this.#rt = opts.runtime ?? defaultRuntime();
    this.#router = new Router(opts.routes);
    this.#signer = new Signer(opts.secret);
    this.#layout = opts.layout ?? defaultLayout;
    this.#checkOrigin = compileCheckOrigin(opts.checkOrigin ?? true);
    this.#csp = cspHeader(opts.contentSecurityPolicy);
    this.#assets = loadAssets(this.livePath);
    this.#ctx = {
      router: this.#router,
      signer: this.#signer,
      logger: this.logger,
      liveviewVersion: LIVEVIEW_VERSION,
      sessionMaxAgeMs: opts.sessionMaxAge ?? TWO_WEEKS_MS,
      maxChannels: opts.maxChannels ?? 100,
      limits: socketLimits(opts, "createEndpoint"),
    };
    const { logRate } = this.#ctx.limits;
    this.#notFound = new LogLimiter(this.logger, logRate, "404 responses");
    this.#refused = new LogLimiter(this.logger, logRate, "refused websocket handshakes");
    this.#serverLimits = serverLimits(opts, "createEndpoint");
    this.#maxBuffered = opts.maxBuffered ?? 16 * 1024 * 1024;
    this.#outbox = new Outbox(
      (ws, frame) => this.#write(ws, frame),
      () => this.#rt.stats().runQueue === 0,
      opts.writeHoldMs ?? 50,
    );
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxPayload ?? 1024 * 1024,
      // Compression off: diffs are small, and deflate state costs ~300 KB per connection in zlib.
      perMessageDeflate: false,
    });
  }

  // -----------------------------------------------------------------------------------------------
  // HTTP

  /**
   * The request listener: dead renders of live routes and the client's assets. Anything else goes to
   * `next` when given (Express-style middleware), else gets a 404.
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void => {
    const start = process.hrtime.bigint();
    const path = pathOf(req.url);
    const method = req.method ?? "GET";
    const asset = this.#assets.get(path);
    if (asset !== undefined && (method === "GET" || method === "HEAD")) return serveAsset(req, res, asset);
    const route = this.#router.match(path);
    if (route === null || (method !== "GET" && method !== "HEAD")) {
      if (next !== undefined) return next();
      this.#notFound.log("info", `${method} ${clip(path)}`);
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not Found");
      this.#notFound.log("info", `Sent 404 in ${formatDuration(start)}`);
      return;
    }
    this.logger.log("info", `${method} ${clip(path)}`);
    if (requestUrl(req, false) === null) {
      // HTTP/1.1 requires a valid Host (RFC 9112 3.2): without one there is no URL to mount the view at.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Bad Request: invalid Host");
      this.logger.log("info", `Sent 400 in ${formatDuration(start)}`);
      return;
    }
    this.#page(req, res, route, method).then(
      (status) => this.logger.log("info", `Sent ${status} in ${formatDuration(start)}`),
      (err) => {
        this.logger.log(
          "error",
          `${method} ${clip(path)} failed: ${err instanceof Error ? err.stack : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("Internal Server Error");
        this.logger.log("info", `Sent 500 in ${formatDuration(start)}`);
      },
    );
  };

  async #page(
    req: IncomingMessage,
    res: ServerResponse,
    route: NonNullable<ReturnType<Router["match"]>>,
    method: string,
  ): Promise<number> {
    const secure = this.#secure(req);
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
      csrfToken(this.#signer, csrfSecret),
      verifyFlash(this.#ctx, flashToken),
      route,
    );
    const headers: Record<string, string | string[]> = {
      // As Phoenix's put_secure_browser_headers, plus no caching of a page that embeds a session.
      "cache-control": "max-age=0, private, must-revalidate",
      "x-content-type-options": "nosniff",
      "x-frame-options": "SAMEORIGIN",
      "referrer-policy": "strict-origin-when-cross-origin",
    };
    if (this.#csp !== null) headers["content-security-policy"] = this.#csp;
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

  /** @internal The dead render of `req.url` with a given CSRF token (the HTTP handler and the test harness). */
  async render(
    req: IncomingMessage,
    token: string,
    flash: Record<string, string>,
    route = this.#router.match(pathOf(req.url)),
  ): Promise<DeadRenderResult> {
    if (route === null) throw new Error(`no live route for ${pathOf(req.url)}`);
    const url = requestUrl(req, this.#https(req));
    if (url === null) throw new Error(`invalid Host header ${JSON.stringify(req.headers.host)}`);
    const session = (await this.#opts.session?.(req)) ?? {};
    if (this.logger.enabled("debug")) {
      this.logger.log(
        "debug",
        `Processing with ${route.name}\n  Parameters: ${inspectParams(decodeParams(url.search.slice(1)))}`,
      );
    }
    return deadRender({
      ctx: this.#ctx,
      runtime: this.#rt,
      route,
      url,
      session,
      flash,
      csrfToken: token,
      livePath: this.livePath,
      layout: this.#layout,
      defaultTitle: this.#opts.title ?? "Cinder",
    });
  }

  #secure(req: IncomingMessage): boolean {
    return this.#opts.secureCookies ?? this.#https(req);
  }

  /** Whether the browser reached us over https: TLS here, or, with `trustProxy`, at the proxy. */
  #https(req: IncomingMessage): boolean {
    if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
    const forwarded = this.#opts.trustProxy === true ? req.headers["x-forwarded-proto"] : undefined;
    // The first entry is what the outermost proxy saw ("https, http" after two proxies).
    return typeof forwarded === "string" && forwarded.split(",")[0]!.trim().toLowerCase() === "https";
  }

  // -----------------------------------------------------------------------------------------------
  // Websocket

  /**
   * The `upgrade` listener: accepts `<livePath>/websocket` after checking Origin, the CSRF token and
   * the serializer version; answers anything else with an HTTP error and closes it.
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const start = process.hrtime.bigint();
    // A reset during the handshake must not become an uncaught 'error' event. (A module-level function:
    // a closure made here would keep this call's variables alive for as long as the socket lives.)
    socket.on("error", ignore);
    const path = pathOf(req.url);
    if (path !== `${this.livePath}/websocket`) return rejectUpgrade(socket, 404);
    if (this.#closing !== null) return rejectUpgrade(socket, 503);
    if (!originAllowed(this.#checkOrigin, req, this.#https(req))) {
      this.#refused.log("warn", `refused websocket from origin ${quote(req.headers.origin)}: not allowed`);
      return rejectUpgrade(socket, 403);
    }
    const params = decodeParams((req.url ?? "").split("?")[1] ?? "");
    if (params.vsn !== "2.0.0") {
      const vsn = typeof params.vsn === "string" ? quote(params.vsn) : clip(JSON.stringify(params.vsn));
      this.#refused.log("warn", `refused websocket: serializer vsn ${vsn} (only 2.0.0)`);
      return rejectUpgrade(socket, 400);
    }
    if (this.#opts.checkCsrf !== false) {
      const secret = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
      if (!checkCsrfToken(this.#signer, secret, params._csrf_token)) {
        this.#refused.log("warn", "refused websocket: missing or invalid CSRF token");
        return rejectUpgrade(socket, 403);
      }
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#accept(ws);
      if (this.logger.enabled("info")) {
        this.logger.log(
          "info",
          `CONNECTED TO Cinder.LiveView.Socket in ${formatDuration(start)}\n  Transport: :websocket\n` +
            `  Serializer: Phoenix.Socket.V2.JSONSerializer\n  Parameters: ${inspectParams(params)}`,
        );
      }
    });
  };

  #accept(ws: WebSocket): void {
    // Per connection: one Connection (the transport) and one watch callback; the listeners are shared
    // functions that find it on the websocket, so that 10,000 connections do not cost 10,000 closures each.
    const conn = new Connection(ws, this.#outbox, this.#conns, this.logger);
    conn.pid = this.#spawnSocket(conn);
    (ws as WsWithConnection)[CONNECTION] = conn;
    this.#conns.add(conn);
    this.#startSweep();
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("error", onError);
    // Whatever ends the socket process (a protocol violation, a flood, a bug) ends the websocket too.
    this.#rt.watch(conn.pid, () => conn.socketExited());
  }

  /** Writes one frame to a websocket that is still open and still reading. */
  #write(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN) return;
    // A client that stops reading must not make the server buffer for it without end.
    if (ws.bufferedAmount > this.#maxBuffered) {
      this.logger.log("warn", `closing websocket: client not reading (${ws.bufferedAmount} bytes buffered)`);
      ws.terminate();
      return;
    }
    sendText(ws, frame);
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
    let open = true;
    const transport: Transport = {
      send: (frame) => {
        if (open) onFrame(frame);
      },
      close: (code, reason) => {
        if (!open) return;
        open = false;
        onClose(code, reason);
      },
    };
    const pid = this.#spawnSocket(transport);
    this.#memory.add(pid);
    this.#rt.watch(pid, () => this.#memory.delete(pid));
    return {
      pid,
      receive: (frame) => send(pid, new Incoming(frame, false)),
      close: () => {
        open = false;
        send(pid, new TransportClosed());
      },
    };
  }

  #startSweep(): void {
    if (this.#sweep !== null) return;
    const idle = this.#opts.idleTimeout ?? 60_000;
    this.#sweep = setInterval(
      () => {
        const now = Date.now();
        for (const c of this.#conns) {
          if (now - c.lastSeen > idle) {
            this.logger.log("info", `closing websocket idle for ${now - c.lastSeen} ms (no heartbeat)`);
            c.ws.terminate();
          }
        }
      },
      Math.max(50, Math.floor(idle / 4)),
    );
    this.#sweep.unref();
  }

  /** Open websocket connections. */
  get connections(): number {
    return this.#conns.size;
  }

  // -----------------------------------------------------------------------------------------------
  // Lifecycle

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
    if (this.#sweep !== null) clearInterval(this.#sweep);
    const server = this.#server;
    const closed = server === null ? Promise.resolve() : new Promise<void>((r) => server.close(() => r()));
    const pids = [...[...this.#conns].map((c) => c.pid), ...this.#memory];
    const stopped = pids.map(
      (pid) =>
        new Promise<void>((r) => {
          if (this.#rt.watch(pid, () => r()) === null) r();
        }),
    );
    this.#outbox.flush();
    for (const c of this.#conns) c.ws.close(1001, "server shutting down");
    for (const pid of pids) send(pid, new TransportClosed());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(stopped), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const c of this.#conns) c.ws.terminate();
    this.#wss.close();
    this.#notFound.flush();
    this.#refused.flush();
    server?.closeAllConnections();
    await closed;
  }

  // -----------------------------------------------------------------------------------------------
  // PubSub

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

/**
 * The URL of a request: its Host header (else `localhost`) and its path and query. Null when the Host is not a
 * host (empty, spaces, a path in it). Built field by field, so that a path such as `//x` stays a path instead
 * of being read as a URL of host `x`, and nothing a client sends makes `new URL` throw.
 */
function requestUrl(req: IncomingMessage, secure: boolean): URL | null {
  const host = req.headers.host ?? "localhost";
  let url: URL;
  try {
    url = new URL(`${secure ? "https" : "http"}://${host}`);
  } catch {
    return null;
  }
  if (
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  )
    return null;
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  url.pathname = q < 0 ? raw : raw.slice(0, q);
  url.search = q < 0 ? "" : raw.slice(q);
  return url;
}

function pathOf(url: string | undefined): string {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
}

function serveAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
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

function rejectUpgrade(socket: Duplex, status: number): void {
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  socket.destroy();
}
