/**
 * Channels driven by the official client (`Socket`, `Channel`, `Presence` from the pinned `phoenix` package,
 * with `ws` as its transport) against two endpoints, nodes "a" and "b" of one PubSub over a real Redis:
 * a chat room (join, push with reply, broadcast to the others on both nodes, handleOut interception),
 * a refused connect, a refused join, a channel that crashes and is rejoined by the client, disconnect by
 * socket id, a duplicate join, binary payloads both ways, the event bucket and error budget, and Presence lists
 * synced on both nodes.
 */
import { type Channel, Presence, Socket } from "phoenix";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { type ChatNode, startChatNode } from "./helpers/channels.js";
import { waitFor } from "./helpers/fault.js";
import { redisAvailable } from "./helpers/redis.js";

const ok = await redisAvailable("the channel tests over Redis");

type Node = ChatNode;

const nodes: Node[] = [];
const sockets: Socket[] = [];

function connect(node: Node, token: string, opts: Record<string, unknown> = {}): Socket {
  const socket = new Socket(node.url, {
    transport: WebSocket,
    params: { token },
    reconnectAfterMs: () => 100,
    rejoinAfterMs: () => 100,
    ...opts,
  });
  socket.connect();
  sockets.push(socket);
  return socket;
}

function joined(channel: Channel): Promise<any> {
  return new Promise((resolve, reject) => {
    channel
      .join()
      .receive("ok", resolve)
      .receive("error", (e: unknown) => reject(new Error(`join refused: ${JSON.stringify(e)}`)))
      .receive("timeout", () => reject(new Error("join timed out")));
  });
}

function pushed(
  channel: Channel,
  event: string,
  payload: object,
): Promise<{ status: string; response: any }> {
  return new Promise((resolve, reject) => {
    channel
      .push(event, payload)
      .receive("ok", (response: unknown) => resolve({ status: "ok", response }))
      .receive("error", (response: unknown) => resolve({ status: "error", response }))
      .receive("timeout", () => reject(new Error(`${event}: no reply`)));
  });
}

/** Everything a channel receives for `event`, in order. */
function collect(channel: Channel, event: string): any[] {
  const seen: any[] = [];
  channel.on(event, (p: unknown) => seen.push(p));
  return seen;
}

describe.skipIf(!ok)("channels over the official phoenix client, two nodes over Redis", () => {
  beforeAll(async () => {
    const cluster = `channels-${process.pid}-${Date.now()}`;
    nodes.push(await startChatNode("a", cluster), await startChatNode("b", cluster));
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const n of nodes) await n.stop();
  });

  test("a chat room: join, push with reply, broadcast to everyone on both nodes, broadcastFrom", async () => {
    const [a, b] = nodes as [Node, Node];
    const alice = connect(a, "user:alice").channel("room:lobby", {});
    const bob = connect(b, "user:bob").channel("room:lobby", {});
    const aliceMsgs = collect(alice, "new_msg");
    const bobMsgs = collect(bob, "new_msg");
    const aliceShouts = collect(alice, "shout");
    const bobShouts = collect(bob, "shout");
    expect(await joined(alice)).toEqual({ welcome: "room:lobby", node: "a" });
    expect(await joined(bob)).toEqual({ welcome: "room:lobby", node: "b" });
    // Bob's subscription on node b must be known to node a before a broadcast from a can reach it.
    await waitFor(
      "node b's subscription to reach node a",
      async () => {
        await pushed(alice, "new_msg", { body: "ping" });
        return bobMsgs.length > 0;
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    // Pings still in flight may arrive later: only the rest is looked at.
    const chat = (msgs: any[]) => msgs.filter((m) => m.body !== "ping");

    expect(await pushed(alice, "new_msg", { body: "hello" })).toEqual({
      status: "ok",
      response: { sent: true },
    });
    await waitFor("bob (node b) to get alice's message", () => chat(bobMsgs).length > 0, {
      timeoutMs: 30_000,
    });
    expect(chat(bobMsgs)).toEqual([{ body: "hello", user: "alice", node: "a" }]);
    expect(chat(aliceMsgs)).toEqual([{ body: "hello", user: "alice", node: "a" }]);

    expect(await pushed(bob, "shout", { body: "hi all" })).toEqual({ status: "ok", response: {} });
    await waitFor("alice to hear bob's shout", () => aliceShouts.length > 0, { timeoutMs: 30_000 });
    expect(aliceShouts).toEqual([{ body: "hi all", user: "bob" }]);
    // broadcastFrom: everyone but the sender. A ping through the same channel after it proves the order.
    await pushed(bob, "new_msg", { body: "after the shout" });
    await waitFor("bob's own message back", () => bobMsgs.some((m) => m.body === "after the shout"));
    expect(bobShouts).toEqual([]);

    expect(await pushed(alice, "nope", {})).toEqual({
      status: "error",
      response: { reason: "no such event nope" },
    });
    alice.leave();
    bob.leave();
  }, 90_000);

  test("handleOut rewrites intercepted broadcasts per client, on both nodes", async () => {
    const [a, b] = nodes as [Node, Node];
    const admin = connect(a, "admin:root").channel("room:ops", {});
    const user = connect(b, "user:carol").channel("room:ops", {});
    const adminSaw = collect(admin, "secret");
    const userSaw = collect(user, "secret");
    const pings = collect(admin, "new_msg");
    await joined(admin);
    await joined(user);
    await waitFor(
      "node b's subscription to reach node a",
      async () => {
        await pushed(user, "new_msg", { body: "ping" });
        return pings.length > 0;
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    user.push("secret", { body: "the launch codes" });
    await waitFor("both to see the secret", () => adminSaw.length > 0 && userSaw.length > 0, {
      timeoutMs: 30_000,
    });
    expect(adminSaw).toEqual([{ body: "the launch codes", for: "root" }]);
    expect(userSaw).toEqual([{ body: "***" }]);
    admin.leave();
    user.leave();
  }, 90_000);

  test("connect refuses a bad token: the client never opens, and retries", async () => {
    const [a] = nodes as [Node];
    const errors: unknown[] = [];
    const s = connect(a, "bad");
    s.onError((e: unknown) => errors.push(e));
    await waitFor("two refused attempts", () => errors.length >= 2, { timeoutMs: 30_000 });
    expect(s.isConnected()).toBe(false);
    expect(a.logs.some((l) => l.includes("refused websocket to /socket: connect returned false"))).toBe(true);
    s.disconnect();
  });

  test("join refused: the client's receive('error') gets the reason; a crashing join gets 'join crashed'", async () => {
    const [a] = nodes as [Node];
    const s = connect(a, "user:dave");
    const priv = s.channel("room:private", {});
    await expect(joined(priv)).rejects.toThrow('join refused: {"reason":"unauthorized"}');
    priv.leave();
    const crashing = s.channel("room:boom", { crash: true });
    await expect(joined(crashing)).rejects.toThrow('join refused: {"reason":"join crashed"}');
    crashing.leave();
    const other = s.channel("elsewhere:1", {});
    await expect(joined(other)).rejects.toThrow('join refused: {"reason":"unmatched topic"}');
    other.leave();
    // The socket itself is fine.
    const lobby = s.channel("room:fine", {});
    await joined(lobby);
    lobby.leave();
  });

  test("a channel that crashes gets phx_error; the client rejoins and carries on", async () => {
    const [a] = nodes as [Node];
    const s = connect(a, "user:erin");
    const room = s.channel("room:crashy", {});
    let joins = 0;
    let errors = 0;
    room.onError(() => errors++);
    await joined(room);
    room.on("presence_state", () => joins++);
    room.push("crash", {});
    await waitFor(
      "the client to rejoin after the crash",
      () => errors > 0 && joins > 0 && room.state === "joined",
      {
        timeoutMs: 30_000,
      },
    );
    expect(await pushed(room, "new_msg", { body: "back" })).toEqual({
      status: "ok",
      response: { sent: true },
    });
    expect(a.crashes.some((c) => c.includes("crash, as asked"))).toBe(true);
    room.leave();
  }, 60_000);

  test("endpoint.broadcast(id, 'disconnect') closes every socket of that user, on every node", async () => {
    const [a, b] = nodes as [Node, Node];
    const closes: string[] = [];
    const s1 = connect(a, "user:frank", { reconnectAfterMs: () => 60_000 });
    const s2 = connect(b, "user:frank", { reconnectAfterMs: () => 60_000 });
    const other = connect(a, "user:grace", { reconnectAfterMs: () => 60_000 });
    for (const [name, s] of [
      ["s1", s1],
      ["s2", s2],
      ["grace", other],
    ] as const)
      s.onClose(() => closes.push(name));
    const rooms = [s1, s2, other].map((s) => s.channel("room:lobby", {}));
    for (const r of rooms) await joined(r);
    await waitFor(
      "node b's socket to be subscribed on node a",
      async () => {
        await a.endpoint.broadcast("user_socket:frank", "disconnect", {});
        return closes.includes("s1") && closes.includes("s2");
      },
      { timeoutMs: 30_000, everyMs: 250 },
    );
    expect(closes).not.toContain("grace");
    expect(other.isConnected()).toBe(true);
  }, 60_000);

  test("the live socket's limits hold: a flood of pushes gets 'too many events', then the socket is closed (1008)", async () => {
    const [a] = nodes as [Node];
    const raw = await rawSocket(a, "user:flood");
    raw.send(JSON.stringify(["1", "1", "room:flood", "phx_join", {}]));
    await raw.next((m) => m[1] === "1");
    for (let i = 0; i < 300; i++) raw.send(JSON.stringify(["1", `p${i}`, "room:flood", "nope", {}]));
    const refused = await raw.next(
      (m) => m[3] === "phx_reply" && m[4]?.response?.reason === "too many events",
    );
    expect(refused[4].status).toBe("error");
    expect(await raw.closed).toBe(1008);
  });

  test("a second join of a topic on one socket closes the first", async () => {
    const [a] = nodes as [Node];
    const raw = await rawSocket(a, "user:heidi");
    raw.send(JSON.stringify(["1", "1", "room:dup", "phx_join", {}]));
    await raw.next((m) => m[1] === "1");
    raw.send(JSON.stringify(["2", "2", "room:dup", "phx_join", {}]));
    const close = await raw.next((m) => m[3] === "phx_close");
    expect(close).toEqual(["1", "1", "room:dup", "phx_close", {}]);
    const reply = await raw.next((m) => m[1] === "2" && m[3] === "phx_reply");
    expect(reply[4].status).toBe("ok");
    raw.close();
  });

  test("binary payloads: ArrayBuffer pushes reach handleIn, bytes come back as a reply and a push", async () => {
    const [a] = nodes as [Node];
    const room = connect(a, "user:ivan").channel("room:bytes", {});
    const back: ArrayBuffer[] = [];
    room.on("bytes_back", (p: ArrayBuffer) => back.push(p));
    await joined(room);
    const sent = new Uint8Array([1, 2, 3, 250]).buffer;
    const reply = await pushed(room, "bytes", sent);
    expect(reply.status).toBe("ok");
    expect(reply.response).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(reply.response)]).toEqual([250, 3, 2, 1]);
    await waitFor("the binary push", () => back.length > 0);
    expect([...new Uint8Array(back[0]!)]).toEqual([250, 3, 2, 1]);
    room.leave();
  });

  test("Presence: presence_state on join, presence_diff on changes; the client's lists agree on both nodes", async () => {
    const [a, b] = nodes as [Node, Node];
    const topic = "room:presence";
    const sa = connect(a, "user:judy");
    const sb = connect(b, "user:ken");
    const ra = sa.channel(topic, {});
    const rb = sb.channel(topic, {});
    const pa = new Presence(ra);
    const pb = new Presence(rb);
    const names = (p: Presence) => p.list((key: string) => key).sort();
    await joined(ra);
    await joined(rb);
    await waitFor(
      "both lists to show judy and ken",
      () => names(pa).join() === "judy,ken" && names(pb).join() === "judy,ken",
      {
        timeoutMs: 30_000,
      },
    );
    const mallory = connect(b, "user:mallory").channel(topic, {});
    await joined(mallory);
    await waitFor(
      "mallory to join both lists",
      () => names(pa).join() === "judy,ken,mallory" && names(pb).join() === "judy,ken,mallory",
      {
        timeoutMs: 30_000,
      },
    );
    mallory.leave();
    await waitFor(
      "mallory to leave both lists",
      () => names(pa).join() === "judy,ken" && names(pb).join() === "judy,ken",
      {
        timeoutMs: 30_000,
      },
    );
    expect(
      pa.list((key: string, { metas }: { metas: { node: string }[] }) => `${key}@${metas[0]!.node}`).sort(),
    ).toEqual(["judy@a", "ken@b"]);
    ra.leave();
    rb.leave();
  }, 90_000);
});

/** A websocket speaking the protocol by hand, for what the official client never does (a duplicate join). */
async function rawSocket(node: Node, token: string) {
  const ws = new WebSocket(`${node.url}/websocket?vsn=2.0.0&token=${encodeURIComponent(token)}`);
  const inbox: any[] = [];
  const waiters: (() => void)[] = [];
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (data) => {
    inbox.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    send: (s: string) => ws.send(s),
    closed,
    close: () => ws.close(),
    async next(pred: (m: any[]) => boolean): Promise<any[]> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(inbox)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 1000);
        });
      }
    },
  };
}
