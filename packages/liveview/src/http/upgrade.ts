import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { LogLimiter } from "../log_limiter.js";
import { clip, quote } from "../logger.js";
import { decodeParams, type Params } from "../params.js";
import type { Signer } from "../token.js";
import type { ConnectSpan } from "./connect_span.js";
import { parseCookies } from "./cookies.js";
import { CSRF_COOKIE, checkCsrfToken } from "./csrf.js";
import { type CompiledCheckOrigin, originAllowed } from "./origin.js";

/** What {@link checkUpgrade} checks a websocket upgrade against. */
export interface UpgradeChecks {
  readonly checkOrigin: CompiledCheckOrigin;
  readonly checkCsrf: boolean;
  readonly signer: Signer;
  /** The log lines of refused handshakes, rate-limited: anyone can make them in bulk. */
  readonly log: LogLimiter;
}

/**
 * Checks a websocket upgrade to the live path: Origin, serializer version and (unless turned off) the
 * page's CSRF token. Returns the connect params, or the HTTP status to refuse it with (logged here).
 */
export function checkUpgrade(
  req: IncomingMessage,
  https: boolean,
  checks: UpgradeChecks,
): { readonly params: Params } | { readonly status: number } {
  const { log } = checks;
  if (!originAllowed(checks.checkOrigin, req, https)) {
    log.log("warn", `refused websocket from origin ${quote(req.headers.origin)}: not allowed`);
    return { status: 403 };
  }
  const params = decodeParams((req.url ?? "").split("?")[1] ?? "");
  if (params.vsn !== "2.0.0") {
    const vsn = typeof params.vsn === "string" ? quote(params.vsn) : clip(JSON.stringify(params.vsn));
    log.log("warn", `refused websocket: serializer vsn ${vsn} (only 2.0.0)`);
    return { status: 400 };
  }
  if (checks.checkCsrf) {
    const secret = parseCookies(req.headers.cookie).get(CSRF_COOKIE);
    if (!checkCsrfToken(checks.signer, secret, params._csrf_token)) {
      log.log("warn", "refused websocket: missing or invalid CSRF token");
      return { status: 403 };
    }
  }
  return { params };
}

/** Answers an upgrade request with an HTTP error and closes its socket. */
export function rejectUpgrade(socket: Duplex, status: number, span?: ConnectSpan | null): void {
  span?.fail(status);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  socket.destroy();
}
