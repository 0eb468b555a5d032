import { checkName } from "./user_cookie.js";

/** The rooms (fixed: a room list is not what this app shows). */
export const ROOMS = ["lobby", "random", "dev"] as const;
export type Room = (typeof ROOMS)[number];

export function isRoom(value: unknown): value is Room {
  return typeof value === "string" && (ROOMS as readonly string[]).includes(value);
}

/** One chat message, as broadcast to every node and kept in each node's history. */
export interface ChatMessage {
  readonly id: string;
  readonly room: Room;
  readonly user: string;
  readonly text: string;
  /** `/uploads/<file>`, or null. */
  readonly image: string | null;
  /** ms since the epoch, by the sender's node. */
  readonly at: number;
  readonly node: string;
}

/** The topic of a room's messages. */
export const roomTopic = (room: Room) => `chat:room:${room}`;

/** A message as it travels: Phoenix's broadcast shape. */
export interface MessageBroadcast {
  readonly topic: string;
  readonly event: "message";
  readonly payload: ChatMessage;
}

export const MAX_TEXT = 1000;
export const IMAGE_PATH = /^\/uploads\/[A-Za-z0-9_-]{8,64}\.(png|jpe?g|gif|webp)$/;

/**
 * Whether a broadcast is a well-formed message: messages may come from another node (through Redis), so the
 * shape, the lengths, the room, the user name and the image path are checked before anything shows them.
 */
export function isMessageBroadcast(value: unknown): value is MessageBroadcast {
  if (typeof value !== "object" || value === null) return false;
  const b = value as Partial<MessageBroadcast>;
  const m = b.payload as Partial<ChatMessage> | undefined;
  return (
    b.event === "message" &&
    typeof m === "object" &&
    m !== null &&
    typeof m.id === "string" &&
    /^[A-Za-z0-9_-]{1,40}$/.test(m.id) &&
    isRoom(m.room) &&
    b.topic === roomTopic(m.room) &&
    checkName(m.user) === m.user &&
    typeof m.text === "string" &&
    m.text.length <= MAX_TEXT &&
    (m.image === null || (typeof m.image === "string" && IMAGE_PATH.test(m.image))) &&
    typeof m.at === "number" &&
    Number.isFinite(m.at) &&
    typeof m.node === "string" &&
    m.node.length <= 64
  );
}
