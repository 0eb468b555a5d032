/** Where a socket process writes its frames: a `ws` WebSocket, or an in-memory pipe in the test harness. */
export interface Transport {
  /** Queues a frame: a string is a text frame, a Buffer a binary one (channel payloads that are bytes). */
  send(frame: string | Buffer): void;
  close(code: number, reason: string): void;
}

/** A frame from the websocket, handed to the socket process. */
export class Incoming {
  constructor(
    readonly data: string | Buffer,
    readonly binary: boolean,
  ) {}
}

/** Told to the socket process when its websocket has closed. */
export class TransportClosed {}
