import { send, spawn } from "@cinder/actors";
import type { LiveContext } from "../context.js";
import { clip, quote } from "../logger.js";
import { decodeBinaryFrame } from "../transport/binary_frame.js";
import { encodeReply } from "../transport/frame.js";
import type { Transport } from "../transport/transport.js";
import { UploadChannel } from "../transport/upload_channel.js";
import { UploadAbort, UploadChunk } from "../upload/upload_messages.js";
import { uploadBehaviour } from "../upload/upload_process.js";
import { verifyUploadToken } from "../upload/upload_token.js";
import type { ChannelTable } from "./channel_table.js";

/**
 * Opens an upload channel for a `phx_join` of `lvu:<entry ref>`: its token must be a fresh upload token
 * for that entry, signed for a view joined on this same websocket. Spawns the upload's process (linked to
 * the calling socket process), which asks the view before answering the join.
 */
export function openUploadChannel(
  ctx: LiveContext,
  channels: ChannelTable,
  transport: Transport,
  topic: string,
  joinRef: string,
  payload: Record<string, unknown>,
): UploadChannel | { why: string; response: Record<string, unknown> } {
  const token = verifyUploadToken(ctx.signer, topic, payload.token);
  if (token === null) return { why: "invalid upload token", response: { reason: "invalid_token" } };
  const view = channels.get(token.t);
  if (view === undefined || view instanceof UploadChannel || view.state !== "joined" || view.pid === null)
    return {
      why: `its view ${clip(token.t)} is not joined on this socket`,
      response: { reason: "invalid_token" },
    };
  const ch = new UploadChannel(topic, joinRef, transport, view.pid, token.s, token.c);
  ch.pid = spawn(
    uploadBehaviour,
    { channel: ch, token, logger: ctx.logger },
    // Chunks come one at a time (see routeChunk), so its mailbox never holds more than a few messages.
    { link: true, trapExit: true, mailbox: { max: 64, onOverflow: "exit" } },
  );
  return ch;
}

/** The socket's guard: a refused chunk counts against the client's budget; an accepted one credits its bucket. */
interface Faults {
  fault(level: "warn", message: string): boolean;
  credit(): void;
}

/**
 * Routes a binary frame: a `chunk` on a joined upload channel goes to the upload's process, if the
 * channel's limits allow it. A chunk past the declared size (a client that lied about it) is answered
 * `file_size_limit_exceeded` and the upload is cut off there: the bytes are never handed on, and the
 * process deletes what was written. Returns false for a frame that cannot be read (the frame gate refuses it).
 */
export function routeChunk(
  buf: Buffer,
  channels: ChannelTable,
  transport: Transport,
  guard: Faults,
): boolean {
  const f = decodeBinaryFrame(buf);
  if ("error" in f) return false;
  const refuse = (reason: string, why: string): void => {
    transport.send(encodeReply(f.joinRef, f.ref, f.topic, "error", { reason }));
    guard.fault("warn", `binary frame on ${quote(f.topic)} refused: ${why}`);
  };
  const ch = channels.get(f.topic);
  if (!(ch instanceof UploadChannel) || ch.state !== "joined" || ch.joinRef !== f.joinRef) {
    refuse("unmatched topic", "not a joined upload channel");
    return true;
  }
  if (f.event !== "chunk") {
    refuse("unknown event", `unknown event ${quote(f.event)}`);
    return true;
  }
  const n = f.payload.byteLength;
  if (ch.busy || n > ch.chunkSize || ch.received + n > ch.limit) {
    const tooLarge = ch.received + n > ch.limit;
    const why = ch.busy
      ? "a chunk before the previous one was acknowledged"
      : tooLarge
        ? `more bytes than the ${ch.limit} declared`
        : `a chunk of ${n} bytes, over the chunk size ${ch.chunkSize}`;
    refuse(tooLarge ? "file_size_limit_exceeded" : "invalid_chunk", why);
    channels.remove(ch);
    send(ch.pid!, new UploadAbort(tooLarge ? "tooLarge" : "failed"));
    ch.end("phx_close");
    return true;
  }
  ch.received += n;
  ch.busy = true;
  // Its acknowledgement prompts one progress report: that one is paid for here (see SocketGuard.credit).
  guard.credit();
  send(ch.pid!, new UploadChunk(f.ref, Buffer.from(f.payload)));
  return true;
}
