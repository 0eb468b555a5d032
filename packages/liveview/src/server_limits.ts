/**
 * Limits of the HTTP server that `Endpoint.listen` makes (options of `createEndpoint`). They bound what a client can hold open without
 * sending a page's worth of request: connections, and the time to send headers and a whole request. A server
 * you make yourself and mount the endpoint into needs its own (a reverse proxy in front does it better).
 */
export interface ServerLimits {
  /** Open TCP connections (websockets included); past it a new connection is closed at once. Default 16 384. */
  maxConnections?: number;
  /** ms a client has to send a request's headers (default 10 000; Node's own is 60 000). */
  headersTimeout?: number;
  /** ms a client has to send a whole request (default 30 000; Node's own is 300 000). */
  requestTimeout?: number;
}

/** The defaults of {@link ServerLimits}. */
export const DEFAULT_SERVER_LIMITS: Required<ServerLimits> = {
  // Above the 10,000 websockets one node is benchmarked with; the process's open-file limit must allow it.
  maxConnections: 16_384,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
};

/** Fills in defaults and checks each limit, naming the bad one. */
export function serverLimits(opts: ServerLimits | undefined, where: string): Required<ServerLimits> {
  const limits = {
    maxConnections: opts?.maxConnections ?? DEFAULT_SERVER_LIMITS.maxConnections,
    headersTimeout: opts?.headersTimeout ?? DEFAULT_SERVER_LIMITS.headersTimeout,
    requestTimeout: opts?.requestTimeout ?? DEFAULT_SERVER_LIMITS.requestTimeout,
  };
  for (const key of ["maxConnections", "headersTimeout", "requestTimeout"] as const) {
    const v = limits[key];
    if (typeof v !== "number" || !(v >= 1))
      throw new TypeError(`${where}: ${key} must be a number >= 1, got ${String(v)}`);
  }
  // Node refuses a headers timeout longer than the request timeout; say so in our words.
  if (limits.headersTimeout > limits.requestTimeout)
    throw new TypeError(
      `${where}: headersTimeout (${limits.headersTimeout}) must not exceed requestTimeout (${limits.requestTimeout})`,
    );
  return limits;
}
