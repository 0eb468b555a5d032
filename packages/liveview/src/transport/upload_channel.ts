import type { Pid } from "@cinder/actors";
import { Channel } from "./channel.js";
import type { Transport } from "./transport.js";

/**
 * An upload channel (`lvu:<entry ref>`): one file's chunks, from one websocket to the upload's process.
 * The socket process enforces what its token allows before a chunk goes anywhere: at most `limit` bytes
 * in all (the size the client declared, itself within `maxFileSize`), chunks of at most `chunkSize`, and
 * one chunk at a time (the official client waits for each acknowledgement).
 */
export class UploadChannel extends Channel {
  /** Bytes accepted so far. */
  received = 0;
  /** A chunk was handed on and is not acknowledged yet. */
  busy = false;

  constructor(
    topic: string,
    joinRef: string,
    transport: Transport,
    /** The view whose upload this is. */
    readonly view: Pid,
    readonly limit: number,
    readonly chunkSize: number,
  ) {
    super(topic, joinRef, transport);
  }
}
