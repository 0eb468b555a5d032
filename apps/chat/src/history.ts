import { type Behaviour, call, type Pid, reply, spawn } from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";
import { type ChatMessage, isMessageBroadcast, ROOMS, type Room, roomTopic } from "./message.js";

/** Messages kept per room on each node. */
const KEEP = 500;
export const HISTORY = "chat_history";

type Request = { op: "page"; room: Room; before: string | null; limit: number };

interface State {
  readonly rooms: Map<Room, ChatMessage[]>;
  readonly seen: Set<string>;
}

/**
 * A room's recent messages on this node: the history process subscribes to every room and keeps the last
 * messages it hears, from this node or any other, so every node can show a room's past without asking the
 * others. A node started later knows only what was said since (the price of needing no database).
 */
const history: Behaviour<State, unknown, PubSub, Request> = {
  label: "ChatHistory",
  init(pubsub) {
    for (const room of ROOMS) pubsub.subscribe(roomTopic(room));
    return { rooms: new Map(ROOMS.map((r) => [r, []])), seen: new Set() };
  },
  handleInfo(msg, state) {
    if (!isMessageBroadcast(msg) || state.seen.has(msg.payload.id)) return state;
    const list = state.rooms.get(msg.payload.room)!;
    list.push(msg.payload);
    state.seen.add(msg.payload.id);
    if (list.length > KEEP) state.seen.delete(list.shift()!.id);
    return state;
  },
  handleCall(req, _from, state) {
    const list = state.rooms.get(req.room) ?? [];
    const end = req.before === null ? list.length : list.findIndex((m) => m.id === req.before);
    const stop = end < 0 ? list.length : end;
    return reply(list.slice(Math.max(0, stop - req.limit), stop), state);
  },
};

/** Starts this node's history, linked to its supervisor and registered as {@link HISTORY}. */
export function startHistory(pubsub: PubSub): Pid {
  return spawn(history, pubsub, { link: true, name: HISTORY });
}

/** Up to `limit` messages of `room` before the one with id `before` (null: the newest), oldest first. */
export function historyPage(room: Room, before: string | null, limit: number): Promise<ChatMessage[]> {
  return call(HISTORY, { op: "page", room, before, limit } satisfies Request);
}
