import { describeValue } from "@cinder/actors";
import type { Params } from "../params.js";
import type { ConnectInfo, ConnectingSocket, MountedUserSocket } from "./user_socket.js";

/** A connection `connect` accepted: the assigns its channels start with, and its id. */
export interface Connected {
  readonly assigns: Readonly<Record<string, unknown>>;
  readonly id: string | null;
}

// An id is a pubsub topic, and is logged: bounded as any other topic.
const MAX_ID = 255;

/**
 * Runs the user socket's `connect` (and `id`) for a websocket handshake. Null when `connect` refused it;
 * throws, naming the socket, when either callback returns what it may not.
 */
export async function connectUserSocket(
  mounted: MountedUserSocket,
  params: Params,
  info: ConnectInfo,
): Promise<Connected | null> {
  const { socket, path } = mounted;
  let assigns: Record<string, unknown> = {};
  const connecting: ConnectingSocket<any> = {
    get assigns() {
      return assigns;
    },
    assign(values) {
      if (typeof values !== "object" || values === null)
        throw new TypeError("assign: expected an object of assigns");
      if (Object.hasOwn(values, "__proto__")) throw new TypeError('assign: "__proto__" cannot be an assign');
      assigns = { ...assigns, ...values };
      return this;
    },
  };
  const result: unknown =
    socket.connect === undefined ? true : await socket.connect(params, connecting, info);
  if (result === false) return null;
  if (result !== true && result !== connecting) {
    if (typeof result !== "object" || result === null || Array.isArray(result))
      throw new TypeError(
        `the socket at ${path}: connect must return true, false or an object of assigns, got ${describeValue(result)}`,
      );
    connecting.assign(result as Record<string, unknown>);
  }
  const id: unknown = socket.id === undefined ? null : socket.id({ assigns: Object.freeze(assigns) });
  if (id !== null && id !== undefined && (typeof id !== "string" || id === "" || id.length > MAX_ID))
    throw new TypeError(
      `the socket at ${path}: id must return a non-empty string of at most ${MAX_ID} characters, or null; got ${describeValue(id)}`,
    );
  return { assigns, id: typeof id === "string" ? id : null };
}
