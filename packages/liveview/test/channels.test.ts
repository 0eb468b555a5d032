import { createRuntime } from "@cinder/actors";
import { PubSub } from "@cinder/pubsub";
import { describe, expect, test } from "vitest";
import { defineChannel, isChannel } from "../src/channels/channel_definition.js";
import { TopicPattern } from "../src/channels/topic_pattern.js";
import { mountUserSockets, routeTopic } from "../src/channels/user_socket.js";
import { connectUserSocket } from "../src/channels/user_socket_connect.js";
import { createEndpoint } from "../src/endpoint.js";

const ok = () => ({ ok: {} });
const noop = () => {};

describe("defineChannel: mistakes speak up", () => {
  test("a channel needs join and handleIn; callbacks must be functions; intercept needs handleOut", () => {
    expect(() => defineChannel(null as never)).toThrow("defineChannel: expected an object");
    expect(() => defineChannel({ handleIn: noop } as never)).toThrow("join must be a function");
    expect(() => defineChannel({ join: ok } as never)).toThrow("handleIn must be a function");
    expect(() => defineChannel({ join: ok, handleIn: noop, handleInfo: 1 } as never)).toThrow(
      "handleInfo must be a function",
    );
    expect(() => defineChannel({ join: ok, handleIn: noop, intercept: ["x"] })).toThrow(
      "intercept needs handleOut",
    );
    expect(() => defineChannel({ join: ok, handleIn: noop, intercept: [""], handleOut: noop })).toThrow(
      "intercept must be an array of event names",
    );
    expect(() => defineChannel({ join: ok, handleIn: noop, mailbox: { max: 0 } })).toThrow("mailbox");
    const ch = defineChannel({ join: ok, handleIn: noop });
    expect(isChannel(ch)).toBe(true);
    expect(isChannel({ join: ok, handleIn: noop })).toBe(false);
    expect(Object.isFrozen(ch)).toBe(true);
  });
});

describe("topic patterns", () => {
  test("a topic matches itself; a trailing * matches the prefix and anything after it", () => {
    const exact = new TopicPattern("lobby", "t");
    expect([exact.matches("lobby"), exact.matches("lobby:1"), exact.matches("lobb")]).toEqual([
      true,
      false,
      false,
    ]);
    const rooms = new TopicPattern("room:*", "t");
    expect([
      rooms.matches("room:1"),
      rooms.matches("room:"),
      rooms.matches("room"),
      rooms.matches("x:room:1"),
    ]).toEqual([true, true, false, false]);
    expect(() => new TopicPattern("room:*:x", "createEndpoint")).toThrow('may only end with a "*"');
    expect(() => new TopicPattern("", "createEndpoint")).toThrow();
  });
});

describe("user sockets: mistakes speak up at createEndpoint", () => {
  const Room = defineChannel({ join: ok, handleIn: noop });
  test("paths, channels and callbacks are checked, naming the socket", () => {
    const m = (sockets: unknown) => () => mountUserSockets(sockets as never, ["/live"], "createEndpoint");
    expect(m({ socket: { channels: {} } })).toThrow('sockets["socket"]: a socket path is an absolute path');
    expect(m({ "/socket/": { channels: {} } })).toThrow("absolute path");
    expect(m({ "/live": { channels: {} } })).toThrow("taken by the live socket");
    expect(m({ "/socket": { connect: 1, channels: {} } })).toThrow("connect must be a function");
    expect(m({ "/socket": {} })).toThrow("channels must be an object");
    expect(m({ "/socket": { channels: { "room:*": {} } } })).toThrow(
      'sockets["/socket"].channels["room:*"]: expected a channel made by defineChannel',
    );
    const mounted = mountUserSockets(
      { "/socket": { channels: { "room:lobby": Room, "room:*": Room } } },
      [],
      "t",
    );
    const s = mounted.get("/socket/websocket")!;
    expect(routeTopic(s, "room:lobby")?.name).toBe("room:lobby");
    expect(routeTopic(s, "room:42")?.name).toBe("room:*");
    expect(routeTopic(s, "other")).toBeUndefined();
  });

  test("createEndpoint refuses a bad sockets option", async () => {
    const rt = createRuntime();
    const pubsub = await PubSub.start({ name: "channels-unit", runtime: rt });
    const opts = { routes: {}, pubsub, secret: "x".repeat(40), runtime: rt };
    expect(() => createEndpoint({ ...opts, sockets: { "/live": { channels: {} } } })).toThrow(
      'createEndpoint: sockets["/live"]: /live is taken by the live socket',
    );
    await pubsub.stop();
  });

  test("connect: true, assigns or false; anything else is an error naming the socket; id is checked", async () => {
    const info = { headers: {}, remoteAddress: "127.0.0.1" };
    const mount = (socket: object) =>
      mountUserSockets({ "/s": { channels: {}, ...socket } }, [], "t").get("/s/websocket")!;
    expect(await connectUserSocket(mount({}), {}, info)).toEqual({ assigns: {}, id: null });
    expect(await connectUserSocket(mount({ connect: () => false }), {}, info)).toBeNull();
    expect(
      await connectUserSocket(
        mount({
          connect: (_p: unknown, s: { assign(v: object): void }) => {
            s.assign({ a: 1 });
            return true;
          },
          id: () => "u:1",
        }),
        {},
        info,
      ),
    ).toEqual({ assigns: { a: 1 }, id: "u:1" });
    expect(await connectUserSocket(mount({ connect: async () => ({ user: "x" }) }), {}, info)).toEqual({
      assigns: { user: "x" },
      id: null,
    });
    await expect(connectUserSocket(mount({ connect: () => "yes" }), {}, info)).rejects.toThrow(
      "the socket at /s: connect must return true, false or an object of assigns",
    );
    await expect(connectUserSocket(mount({ id: () => 42 }), {}, info)).rejects.toThrow("id must return");
    await expect(connectUserSocket(mount({ id: () => "x".repeat(256) }), {}, info)).rejects.toThrow(
      "id must return",
    );
  });
});
