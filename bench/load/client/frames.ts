/**
 * Websocket framing for the fake browser, kept to what it needs: masked frames out, unmasked frames in. A
 * generator holds thousands of sockets, and the `ws` client's per-message stream machinery would cost more
 * of its CPU than the measurement can afford.
 */
import { randomFillSync } from "node:crypto";

/** First bytes (FIN + opcode) of the frames a client sends. */
export const TEXT = 0x81;
export const CLOSE = 0x88;
export const PONG = 0x8a;

/** What a {@link FrameReader} hands on. */
export interface FrameSink {
  /** A whole text message, the time its bytes arrived, and the frame's length on the wire (header + payload). */
  text(t: number, text: string, wireLength: number): void;
  close(code: number, reason: string): void;
  ping(payload: Buffer): void;
  protocolError(why: string): void;
}

/** Parses the server's frames out of a byte stream, across chunk boundaries and fragmented messages. */
export class FrameReader {
  private pending: Buffer | null = null;
  private fragments: Buffer[] | null = null;

  constructor(private readonly sink: FrameSink) {}

  /** Parses the whole frames of what arrived at `t`; keeps a partial one for the next chunk. */
  read(chunk: Buffer, t: number): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let off = 0;
    const n = buf.length;
    while (n - off >= 2) {
      const b0 = buf[off];
      const b1 = buf[off + 1];
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (n - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        hdr = 4;
      } else if (len === 127) {
        if (n - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        hdr = 10;
      }
      if (b1 & 0x80) {
        this.sink.protocolError("server frame is masked");
        return;
      }
      if (n - off < hdr + len) break;
      this.frame(b0, buf.subarray(off + hdr, off + hdr + len), hdr + len, t);
      off += hdr + len;
    }
    if (off < n) this.pending = Buffer.from(buf.subarray(off));
  }

  private frame(b0: number, payload: Buffer, wire: number, t: number): void {
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (opcode === 0x1 || opcode === 0x0) {
      if (!fin || this.fragments !== null) {
        (this.fragments ??= []).push(Buffer.from(payload));
        if (!fin) return;
        payload = Buffer.concat(this.fragments);
        this.fragments = null;
      }
      this.sink.text(t, payload.toString("utf8"), wire);
    } else if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.sink.close(code, payload.subarray(2).toString("utf8"));
    } else if (opcode === 0x9) {
      this.sink.ping(payload);
    } else if (opcode !== 0xa) {
      this.sink.protocolError(`unexpected opcode ${opcode}`);
    }
  }
}

/** One frame as a client must send it: masked with a fresh random key. */
export function encodeFrame(b0: number, payload: Buffer): Buffer {
  const len = payload.length;
  const hdr = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(hdr + 4 + len);
  out[0] = b0;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  randomFillSync(out, hdr, 4);
  for (let i = 0; i < len; i++) out[hdr + 4 + i] = payload[i] ^ out[hdr + (i & 3)];
  return out;
}
