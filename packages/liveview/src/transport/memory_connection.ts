import { type Pid, send } from "@cinder/actors";
import { Incoming, type Transport, TransportClosed } from "./transport.js";

/** A connection made by the test harness: frames in, frames out, no network. */
export interface MemoryConnection {
  /** Hands a text frame to the socket process, as the websocket would. */
  receive(frame: string): void;
  /** Closes the connection, as a websocket close would. */
  close(): void;
  /** The socket process. */
  readonly pid: Pid;
}

/** Spawns a socket process (with `spawnSocket`) that reads from and writes to the test harness. */
export function connectMemory(
  spawnSocket: (transport: Transport) => Pid,
  onFrame: (frame: string) => void,
  onClose: (code: number, reason: string) => void,
): MemoryConnection {
  let open = true;
  const transport: Transport = {
    send: (frame) => {
      // Only user sockets send binary frames, and the harness drives live views.
      if (typeof frame !== "string") throw new Error("the test harness carries text frames only");
      if (open) onFrame(frame);
    },
    close: (code, reason) => {
      if (!open) return;
      open = false;
      onClose(code, reason);
    },
  };
  const pid = spawnSocket(transport);
  return {
    pid,
    receive: (frame) => send(pid, new Incoming(frame, false)),
    close: () => {
      open = false;
      send(pid, new TransportClosed());
    },
  };
}
