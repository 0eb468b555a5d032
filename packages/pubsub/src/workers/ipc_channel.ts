import type { MessagePort } from "node:worker_threads";

/**
 * One end of a message channel between a worker and the primary: the process's own IPC channel in a
 * `node:cluster` worker, a cluster worker's channel in the primary, or a `MessagePort` (tests, threads).
 * Messages are plain JSON-able objects; delivery is in order, as on every such channel.
 */
export interface IpcChannel {
  /** Sends `message`; false if the channel is closed (nothing was sent). */
  send(message: object): boolean;
  /** Calls `listener` with every message that arrives; returns what stops it. */
  listen(listener: (message: unknown) => void): () => void;
}

/** This process's channel to its parent (a `node:cluster` worker's to the primary); throws if it has none. */
export function parentChannel(): IpcChannel {
  if (typeof process.send !== "function") {
    throw new Error(
      "workers: this process has no IPC channel to a primary; start it through startWorkers() (node:cluster)",
    );
  }
  return {
    send: (message) => {
      if (!process.connected || process.send === undefined) return false;
      process.send(message);
      return true;
    },
    listen: (listener) => {
      process.on("message", listener);
      return () => process.off("message", listener);
    },
  };
}

/** Something with a child's IPC channel: a `node:cluster` worker or a forked `ChildProcess`. */
export interface ChildLike {
  send(message: object): boolean;
  isConnected?(): boolean;
  readonly connected?: boolean;
  on(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
}

/** The primary's end of a child's channel. */
export function childChannel(child: ChildLike): IpcChannel {
  const open = () => (child.isConnected !== undefined ? child.isConnected() : child.connected !== false);
  return {
    send: (message) => {
      if (!open()) return false;
      try {
        child.send(message);
        return true;
      } catch {
        // The channel closed between the check and the send (the worker is exiting).
        return false;
      }
    },
    listen: (listener) => {
      child.on("message", listener);
      return () => child.off("message", listener);
    },
  };
}

/** One end of a `MessageChannel` (both ends in one process, or a worker thread's). */
export function portChannel(port: MessagePort): IpcChannel {
  let closed = false;
  port.once("close", () => {
    closed = true;
  });
  return {
    send: (message) => {
      if (closed) return false;
      port.postMessage(message);
      return true;
    },
    listen: (listener) => {
      const l = (m: unknown) => listener(m);
      port.on("message", l);
      return () => port.off("message", l);
    },
  };
}
