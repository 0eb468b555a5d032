import type { Pid } from "@cinder/actors";
import { encodePayload, encodeReply, pushPrefix, type Transport } from "./frame.js";
import type { SocketGuard } from "./socket_guard.js";

/**
 * One joined topic (`lv:<id>`) on one websocket: what its socket process and its view process share.
 * The view process writes its replies and pushes through it directly (no hop through the socket
 * process); the socket process owns the table of channels and decides when one is closed.
 */
export class Channel {
  /**
   * `joining` until the view answered the join; `joined` after an ok reply; `closed` once the view
   * answered the join with an error, or the channel was left or replaced (its writes are then dropped:
   * the client would discard them anyway, as their join_ref is no longer current).
   */
  state: "joining" | "joined" | "closed" = "joining";
  /** The view process, once spawned. */
  pid: Pid | null = null;
  /** Its socket's guard: the view reports the client's protocol errors there (counted, logs rate-limited). */
  guard: SocketGuard | null = null;

  constructor(
    readonly topic: string,
    /** The ref of the `phx_join` that opened this channel; sent with every frame of it. */
    readonly joinRef: string,
    readonly transport: Transport,
  ) {}

  /** Answers the push `ref` on this channel. */
  reply(ref: string | null, status: "ok" | "error", response: unknown): void {
    if (this.state !== "closed")
      this.transport.send(encodeReply(this.joinRef, ref, this.topic, status, response));
  }

  /** `[join_ref,null,topic,"diff",`, made once: most frames of a channel are diffs. */
  #diffPrefix: string | null = null;

  /** Sends an unsolicited message (`diff`, `redirect`, `live_patch`, ...). */
  push(event: string, payload: unknown): void {
    if (this.state === "closed") return;
    const prefix =
      event === "diff"
        ? (this.#diffPrefix ??= pushPrefix(this.joinRef, this.topic, event))
        : pushPrefix(this.joinRef, this.topic, event);
    this.transport.send(`${prefix}${encodePayload(payload)}]`);
  }

  /** Answers the join and marks the channel joined. */
  joined(response: unknown): void {
    this.reply(this.joinRef, "ok", response);
    if (this.state === "joining") this.state = "joined";
  }

  /** Refuses the join (`{reason}`, `{redirect}`, `{live_redirect}`) and closes the channel. */
  refuse(response: unknown): void {
    this.reply(this.joinRef, "error", response);
    this.state = "closed";
  }

  /** Sends `phx_close` (a graceful end) or `phx_error` (a crash; the client rejoins) and closes. */
  end(event: "phx_close" | "phx_error", payload: unknown = {}): void {
    if (this.state === "closed") return;
    // Phoenix sends both with ref = join_ref, which is how the client ties them to this join.
    this.transport.send(JSON.stringify([this.joinRef, this.joinRef, this.topic, event, payload]));
    this.state = "closed";
  }
}
