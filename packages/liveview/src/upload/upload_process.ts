import {
  type Behaviour,
  cancelTimer,
  Down,
  Exit,
  type ExitReason,
  monitor,
  type Stop,
  self,
  send,
  sendAfter,
  stop,
  type Timer,
} from "@cinder/actors";
import type { Logger } from "../logger.js";
import type { UploadChannel } from "../transport/upload_channel.js";
import {
  UploadAbort,
  UploadAccept,
  UploadChunk,
  UploadDone,
  UploadFailed,
  UploadJoin,
  UploadRefuse,
  UploadRelease,
} from "./upload_messages.js";
import type { UploadToken } from "./upload_token.js";
import type { UploadWriter } from "./upload_writer.js";

/** What the socket process starts an upload process with. */
export interface UploadArgs {
  readonly channel: UploadChannel;
  readonly token: UploadToken;
  readonly logger: Logger;
}

interface UploadState {
  readonly channel: UploadChannel;
  readonly token: UploadToken;
  readonly logger: Logger;
  writer: UploadWriter | null;
  chunkTimeout: number;
  written: number;
  done: boolean;
  timer: Timer | null;
  /** Which armed timeout is current (a cancelled one may already be in the mailbox). */
  timerSeq: number;
  /** Why the writer is disposed of when the process ends. */
  release: "consumed" | "cancelled" | "failed";
}

class ChunkTimeout {
  constructor(readonly seq: number) {}
}

/**
 * The process behind one upload channel (`lvu:<entry ref>`), as Phoenix's upload channel: it asks the view
 * whether the entry may be uploaded, writes each chunk to the entry's writer before acknowledging it (so
 * the client sends the next one only then), tells the view when the last byte is written, and holds the
 * result until the view consumes or cancels the entry. Linked to its socket process and watching its view:
 * when either goes, it stops, and its writer is disposed of (the temp file deleted). It traps exits so that
 * this cleanup runs whatever ends it.
 */
export const uploadBehaviour: Behaviour<UploadState, unknown, UploadArgs> = {
  init(args: UploadArgs): UploadState {
    const { channel, token } = args;
    monitor(channel.view);
    send(channel.view, new UploadJoin(self(), token.u, token.e, token.n));
    return {
      channel,
      token,
      logger: args.logger,
      writer: null,
      chunkTimeout: 0,
      written: 0,
      done: false,
      timer: null,
      timerSeq: 0,
      release: "cancelled",
    };
  },

  async handleInfo(msg: unknown, state: UploadState): Promise<UploadState | Stop<UploadState>> {
    if (msg instanceof UploadChunk) return chunk(msg, state);
    if (msg instanceof UploadAccept) {
      state.writer = msg.writer;
      state.chunkTimeout = msg.chunkTimeout;
      state.channel.joined({});
      if (state.token.s === 0) return complete(state);
      arm(state);
      return state;
    }
    if (msg instanceof UploadRefuse) {
      state.channel.refuse({ reason: msg.reason });
      return stop("normal", state);
    }
    if (msg instanceof ChunkTimeout) {
      if (state.done || state.timer === null || msg.seq !== state.timerSeq) return state;
      state.logger.log(
        "info",
        `${state.channel.topic}: no chunk for ${state.chunkTimeout} ms; upload closed`,
      );
      return fail(state, "failed", { shutdown: "chunk_timeout" });
    }
    if (msg instanceof UploadAbort) return fail(state, msg.error, { shutdown: msg.error });
    if (msg instanceof UploadRelease) {
      state.release = msg.reason;
      return stop("normal", state);
    }
    // The view went away (DOWN), or the socket did (EXIT): the upload goes with them.
    if (msg instanceof Down) return stop("shutdown", state);
    if (msg instanceof Exit) return stop(msg.reason, state);
    return state;
  },

  async terminate(_reason: ExitReason, state: UploadState): Promise<void> {
    if (state.timer !== null) cancelTimer(state.timer);
    const writer = state.writer;
    state.writer = null;
    try {
      await writer?.dispose?.(state.release);
    } catch (err) {
      state.logger.log("warn", `${state.channel.topic}: the upload writer's dispose threw: ${String(err)}`);
    }
  },
};

/** (Re)starts the chunk timeout. */
function arm(state: UploadState): void {
  if (state.timer !== null) cancelTimer(state.timer);
  state.timer = sendAfter(self(), new ChunkTimeout(++state.timerSeq), state.chunkTimeout);
}

async function chunk(msg: UploadChunk, state: UploadState): Promise<UploadState | Stop<UploadState>> {
  const { channel, writer } = state;
  if (writer === null || state.done) return state; // the socket never forwards these; nothing to write to
  try {
    await writer.write(msg.bytes);
  } catch (err) {
    state.logger.log("warn", `${channel.topic}: the upload writer threw: ${String(err)}`);
    channel.reply(msg.ref, "error", { reason: "writer_error" });
    return fail(state, "failed", { shutdown: "writer_error" });
  }
  state.written += msg.bytes.length;
  if (state.written >= state.token.s) {
    const next = await complete(state);
    if (next !== state) return next;
  } else {
    arm(state);
  }
  channel.busy = false;
  channel.reply(msg.ref, "ok", {});
  return state;
}

/** The last byte is written: close the writer and tell the view, before the client hears of it. */
async function complete(state: UploadState): Promise<UploadState | Stop<UploadState>> {
  if (state.timer !== null) cancelTimer(state.timer);
  state.timer = null;
  let meta: unknown;
  try {
    meta = await state.writer!.close();
  } catch (err) {
    state.logger.log("warn", `${state.channel.topic}: the upload writer's close threw: ${String(err)}`);
    return fail(state, "failed", { shutdown: "writer_error" });
  }
  state.done = true;
  send(state.channel.view, new UploadDone(state.token.e, meta));
  return state;
}

function fail(state: UploadState, error: UploadFailed["error"], reason: ExitReason): Stop<UploadState> {
  send(state.channel.view, new UploadFailed(state.token.e, error));
  state.release = "failed";
  return stop(reason, state);
}
