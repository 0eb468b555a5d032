/** The websocket upgrade of `/live/websocket`, as a browser sends it, and the check of the server's answer. */
import { createHash, randomBytes } from "node:crypto";
import type { Target } from "./http.js";
import type { Page } from "./page.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The page's origin, sent as `Origin` and as the join's `url`. */
export function originOf(target: Target): string {
  return `http://${target.host}:${target.port}`;
}

/** The upgrade request (with the page's cookie and an Origin) and the `Sec-WebSocket-Accept` it calls for. */
export function upgradeRequest(target: Target, page: Page): { request: string; accept: string } {
  const { host, port } = target;
  const key = randomBytes(16).toString("base64");
  const accept = createHash("sha1")
    .update(key + GUID)
    .digest("base64");
  const path = `/live/websocket?_csrf_token=${encodeURIComponent(page.csrf)}&vsn=2.0.0`;
  const request =
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nOrigin: ${originOf(target)}\r\n` +
    `Cookie: ${page.cookie}\r\n\r\n`;
  return { request, accept };
}

/** Why the response head (up to its blank line) does not open the websocket, or null when it does. */
export function upgradeRefusal(head: string, accept: string): string | null {
  const status = head.slice(0, head.indexOf("\r\n"));
  if (!/^HTTP\/1\.1 101/.test(status)) return `upgrade refused: ${status}`;
  if (!head.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`))
    return "bad Sec-WebSocket-Accept";
  return null;
}
