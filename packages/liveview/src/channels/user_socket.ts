import type { IncomingHttpHeaders } from "node:http";
import { describeValue } from "@cinder/actors";
import type { Params } from "../params.js";
import { isChannel, type ServerChannel } from "./channel_definition.js";
import { TopicPattern } from "./topic_pattern.js";

/** What `connect` knows of the websocket's HTTP request besides its params (Phoenix's `connect_info`). */
export interface ConnectInfo {
  /** The request's headers (user agent, cookies, `x-*` headers of a proxy). */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** The peer's address (the proxy's, behind one). */
  readonly remoteAddress: string | undefined;
}

/** The socket as `connect` and `id` see it: the assigns every channel of this connection starts with. */
export interface ConnectingSocket<A extends object = Record<string, unknown>> {
  readonly assigns: Readonly<Partial<A>>;
  assign(values: Partial<A>): this;
}

/**
 * A user socket (Phoenix's `socket "/socket", UserSocket`): where clients connect, how they authenticate,
 * and which channels they may join. Mounted with `createEndpoint({ sockets: { "/socket": userSocket } })`;
 * phoenix.js connects with `new Socket("/socket", { params })`.
 */
export interface UserSocket<A extends object = any> {
  /**
   * Authenticates a connection from the client's `params` (e.g. a signed token). Return `true` (after
   * `socket.assign`) or an object of assigns to accept, `false` to refuse (HTTP 403; the client retries with
   * backoff). Default: accept everyone, with no assigns. Params are the client's: check them.
   */
  connect?(
    params: Params,
    socket: ConnectingSocket<A>,
    connectInfo: ConnectInfo,
  ): boolean | Partial<A> | Promise<boolean | Partial<A>>;
  /**
   * Names the connection, e.g. `user_socket:${assigns.userId}`: `endpoint.broadcast(id, "disconnect", {})`
   * then closes every socket of that user. Null or undefined: anonymous.
   */
  id?(socket: { readonly assigns: Readonly<A> }): string | null | undefined;
  /** The channels clients may join, by topic pattern (`"room:lobby"`, or a prefix and `*`: `"room:*"`). */
  channels: Readonly<Record<string, ServerChannel>>;
}

/** A user socket checked and ready to serve: its websocket path and its channels in order. */
export interface MountedUserSocket {
  /** The path the socket is mounted at (`/socket`); clients open `<path>/websocket`. */
  readonly path: string;
  readonly socket: UserSocket;
  readonly routes: readonly {
    readonly pattern: TopicPattern;
    readonly channel: ServerChannel;
    readonly name: string;
  }[];
}

/** The channel for `topic` on `mounted`, first pattern first, or undefined. */
export function routeTopic(
  mounted: MountedUserSocket,
  topic: string,
): { readonly channel: ServerChannel; readonly name: string } | undefined {
  for (const r of mounted.routes) if (r.pattern.matches(topic)) return r;
  return undefined;
}

/** Checks the `sockets` option of `createEndpoint`; the map is keyed by websocket path (`/socket/websocket`). */
export function mountUserSockets(
  sockets: Readonly<Record<string, UserSocket>> | undefined,
  reserved: readonly string[],
  where: string,
): Map<string, MountedUserSocket> {
  const mounted = new Map<string, MountedUserSocket>();
  if (sockets === undefined) return mounted;
  if (typeof sockets !== "object" || sockets === null)
    throw new TypeError(`${where}: sockets must be an object of paths to user sockets`);
  for (const [path, socket] of Object.entries(sockets)) {
    const at = `${where}: sockets[${JSON.stringify(path)}]`;
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path.endsWith("/") || path.includes("//"))
      throw new TypeError(`${at}: a socket path is an absolute path such as "/socket"`);
    if (reserved.some((r) => path === r || path.startsWith(`${r}/`)))
      throw new TypeError(`${at}: ${path} is taken by the live socket`);
    if (typeof socket !== "object" || socket === null)
      throw new TypeError(`${at}: expected { connect?, id?, channels }`);
    for (const cb of ["connect", "id"] as const) {
      if (socket[cb] !== undefined && typeof socket[cb] !== "function")
        throw new TypeError(`${at}: ${cb} must be a function`);
    }
    if (typeof socket.channels !== "object" || socket.channels === null)
      throw new TypeError(`${at}: channels must be an object of topic patterns to channels`);
    const routes = Object.entries(socket.channels).map(([pattern, channel]) => {
      if (!isChannel(channel))
        throw new TypeError(
          `${at}.channels[${JSON.stringify(pattern)}]: expected a channel made by defineChannel, got ${describeValue(channel)}`,
        );
      return { pattern: new TopicPattern(pattern, `${at}.channels`), channel, name: channel.name ?? pattern };
    });
    mounted.set(`${path}/websocket`, { path, socket, routes });
  }
  return mounted;
}
