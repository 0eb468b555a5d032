import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Endpoint } from "@cinder/liveview";

/** What the HTTP front hands requests to. */
export interface HttpFrontOptions {
  /** The port to listen on (0: any free one). */
  port: number;
  /** The endpoint serving now, or null while its owner restarts. */
  endpoint(): Endpoint | null;
  /** Answers a request for one of the node's own paths (its instruments) and returns true; false for others. */
  own(req: IncomingMessage, res: ServerResponse): boolean;
}

/** The listening HTTP server. */
export interface HttpFront {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/**
 * The node's HTTP server, in front of its endpoint. It stays up while the endpoint's owner restarts (each restart
 * makes a new endpoint), so it hands each request and websocket upgrade to whichever endpoint serves now, and in
 * the moment there is none answers 503 with `Retry-After: 1`: the official client retries.
 */
export async function listenHttpFront(opts: HttpFrontOptions): Promise<HttpFront> {
  const server = createServer((req, res) => {
    if (opts.own(req, res)) return;
    const endpoint = opts.endpoint();
    if (endpoint === null) {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "1" }).end("Restarting");
      return;
    }
    endpoint.handler(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    const endpoint = opts.endpoint();
    if (endpoint !== null) return endpoint.handleUpgrade(req, socket, head);
    socket.on("error", () => {}); // a client gone before the answer must not crash the node
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
