import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/** What this module reads of a `ws` WebSocket's internals (ws 8): its socket and its sender's queue. */
interface WsInternals {
  _socket?: Socket;
  _sender?: { _state?: number; _queue?: unknown[] };
}

let fastWrites = 0;

/**
 * How many frames {@link sendText} wrote itself rather than through `ws.send`. The fast path depends on
 * `ws` internals; a test reads this to notice when an upgrade of `ws` turns it off.
 */
export function fastPathWrites(): number {
  return fastWrites;
}

/**
 * Sends `text` as one unmasked text frame (a server's frame), written to the socket as a single buffer:
 * the 2- or 4-byte header and the UTF-8 payload in one allocation and one `write`. This is `ws.send(text)`
 * without its per-message machinery (option objects, a separate header buffer, cork/uncork and a two-buffer
 * writev): on a broadcast to thousands of views the per-frame cost adds up. The frame bytes are the same.
 *
 * Only taken when `ws` is not compressing and has nothing queued (its sender is idle), so frames never
 * overtake one another; otherwise, and for anything `ws` does not expose as expected, it is `ws.send`.
 */
export function sendText(ws: WebSocket, text: string): void {
  const { _socket: sock, _sender: sender } = ws as unknown as WsInternals;
  if (
    sock === undefined ||
    sender === undefined ||
    sender._state !== 0 ||
    (sender._queue !== undefined && sender._queue.length > 0) ||
    sock.destroyed
  ) {
    ws.send(text);
    return;
  }
  const len = Buffer.byteLength(text);
  if (len > 65535) {
    ws.send(text);
    return;
  }
  const hdr = len < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(hdr + len);
  frame[0] = 0x81; // FIN, text
  if (hdr === 2) frame[1] = len;
  else {
    frame[1] = 126;
    frame[2] = len >>> 8;
    frame[3] = len & 0xff;
  }
  // As many bytes as characters: all ASCII, where latin1 is UTF-8 and the cheaper copy.
  frame.write(text, hdr, len, len === text.length ? "latin1" : "utf8");
  sock.write(frame);
  fastWrites++;
}
