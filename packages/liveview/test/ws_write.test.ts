import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { fastPathWrites, sendText } from "../src/internal.js";

// sendText writes the frame ws.send would, as one buffer: a real ws client must read every message intact
// and in order, whatever its length and characters, mixed with ws's own sends and pings.

let server: ReturnType<typeof createServer>;
let wss: WebSocketServer;
let port = 0;

beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function connect(): Promise<{ client: WebSocket; peer: WebSocket }> {
  return new Promise((resolve) => {
    wss.once("connection", (peer) => {
      client.once("open", () => resolve({ client, peer }));
      if (client.readyState === WebSocket.OPEN) resolve({ client, peer });
    });
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  });
}

describe("sendText", () => {
  test("every length and character set arrives intact, in order with ws.send", async () => {
    const { client, peer } = await connect();
    const texts = [
      "",
      "x",
      '["1",null,"lv:phx-abcdefghijkl","diff",{"4":"Creating repo","6":"+0.20s"}]',
      "a".repeat(125),
      "a".repeat(126),
      "é".repeat(63), // 126 bytes, 63 characters
      "· watching ✓ 🚀",
      "b".repeat(65535),
      "c".repeat(65536), // past the 16-bit length: ws.send does it
      "z".repeat(300),
    ];
    const got: string[] = [];
    const all = new Promise<void>((resolve) => {
      client.on("message", (data, binary) => {
        expect(binary).toBe(false);
        got.push(data.toString("utf8"));
        if (got.length === texts.length * 2) resolve();
      });
    });
    for (const t of texts) {
      sendText(peer, t);
      peer.ping();
      peer.send(`ws:${t.slice(0, 10)}`);
    }
    // ws.send's messages interleave with ours in send order.
    await all;
    expect(got).toEqual(texts.flatMap((t) => [t, `ws:${t.slice(0, 10)}`]));
    client.close();
  });

  test("an open, idle ws connection takes the fast path (fails if a ws upgrade silently turns it off)", async () => {
    // The fast path reads ws internals (`_socket`, `_sender._state`, `_sender._queue`); if a new ws renames
    // or changes them, every frame falls back to ws.send, still correct but slower, and only this test says so.
    const { client, peer } = await connect();
    const received = new Promise<string>((resolve) => client.once("message", (d) => resolve(d.toString())));
    const before = fastPathWrites();
    sendText(peer, "fast");
    expect(fastPathWrites()).toBe(before + 1);
    expect(await received).toBe("fast");
    // A frame past 16-bit length is ws.send's: not counted.
    sendText(peer, "d".repeat(70_000));
    expect(fastPathWrites()).toBe(before + 1);
    client.close();
  });

  test("counts in bufferedAmount while the peer does not read", async () => {
    const { client, peer } = await connect();
    client.pause();
    // Past what the kernel's socket buffers absorb: the rest waits in the socket's writable buffer.
    const chunk = "q".repeat(60_000);
    for (let i = 0; i < 1000 && peer.bufferedAmount === 0; i++) sendText(peer, chunk);
    expect(peer.bufferedAmount).toBeGreaterThan(0);
    client.terminate();
  });
});
