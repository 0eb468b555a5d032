import type { IncomingMessage } from "node:http";
import type { Pid, Runtime } from "@cinder/actors";
import type { LogLimiter } from "../log_limiter.js";
import { formatDuration, inspectParams } from "../logger.js";
import type { Params } from "../params.js";
import type { Transport } from "../transport/transport.js";
import type { MountedUserSocket } from "./user_socket.js";
import { connectUserSocket } from "./user_socket_connect.js";
import { type UserSocketContext, userSocketBehaviour } from "./user_socket_process.js";

/** What the endpoint lends {@link acceptUserSocket} to finish or refuse a handshake. */
export interface UserSocketHost {
  readonly ctx: UserSocketContext;
  readonly runtime: Runtime;
  /** Log lines of refused handshakes (rate-limited: anyone can make them in bulk). */
  readonly refused: LogLimiter;
  /** True once the endpoint is shutting down. */
  closing(): boolean;
  /** Completes the websocket handshake; the socket process is spawned by `spawn` with its transport. */
  upgrade(spawn: (transport: Transport) => Pid): void;
  /** Answers the handshake with an HTTP error. */
  reject(status: number): void;
}

/**
 * A websocket handshake to a user socket whose Origin and serializer version were checked: runs `connect`
 * with the client's params, then accepts it (one socket process) or refuses it (403 when `connect` said no,
 * 500 when it threw).
 */
export async function acceptUserSocket(
  mounted: MountedUserSocket,
  req: IncomingMessage,
  params: Params,
  host: UserSocketHost,
): Promise<void> {
  const start = process.hrtime.bigint();
  const { logger } = host.ctx;
  // The serializer version is the protocol's, not the app's.
  const appParams: Params = Object.create(null);
  for (const key of Object.keys(params)) if (key !== "vsn") appParams[key] = params[key]!;
  let connected: Awaited<ReturnType<typeof connectUserSocket>>;
  try {
    connected = await connectUserSocket(mounted, appParams, {
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    });
  } catch (err) {
    logger.log(
      "error",
      `connect to ${mounted.path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    host.reject(500);
    return;
  }
  if (connected === null) {
    host.refused.log("info", `refused websocket to ${mounted.path}: connect returned false`);
    host.reject(403);
    return;
  }
  if (host.closing()) {
    host.reject(503);
    return;
  }
  const ctx = host.ctx;
  const c = connected;
  host.upgrade((transport) =>
    host.runtime.spawn(
      userSocketBehaviour,
      { ctx, mounted, connected: c, transport },
      // A client cannot queue unbounded work: past this many unprocessed frames the socket is dropped.
      { trapExit: true, mailbox: { max: 10_000, onOverflow: "exit" } },
    ),
  );
  if (logger.enabled("info")) {
    logger.log(
      "info",
      `CONNECTED TO ${mounted.path} in ${formatDuration(start)}\n  Transport: :websocket\n` +
        `  Serializer: Phoenix.Socket.V2.JSONSerializer\n  Parameters: ${inspectParams(appParams)}`,
    );
  }
}
