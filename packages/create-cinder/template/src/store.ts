import { type Behaviour, call, cast, type Pid, reply, spawn } from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";

/** One card on the board. */
export interface Item {
  readonly id: number;
  readonly text: string;
  readonly done: boolean;
}

/** The topic every board view subscribes to; each change of the store is broadcast on it. */
export const ITEMS_TOPIC = "items";

/** What the store broadcasts after each change: `{ topic, event, payload }`, as Phoenix's broadcasts. */
export type ItemEvent =
  | { topic: typeof ITEMS_TOPIC; event: "saved"; payload: Item }
  | { topic: typeof ITEMS_TOPIC; event: "deleted"; payload: Item };

type Request = { op: "list" } | { op: "add"; text: string } | { op: "toggle"; id: number };
type Cast = { op: "delete"; id: number };

interface State {
  readonly pubsub: PubSub;
  readonly items: ReadonlyMap<number, Item>;
  readonly nextId: number;
}

/**
 * The board's items, kept by one process: every change goes through its mailbox, one at a time, and is
 * broadcast to every view (on every node, with a Redis adapter). Supervised by `app.ts`: if it crashes it
 * restarts empty, and the views reload the list when they next mount.
 */
const store: Behaviour<State, never, PubSub, Request, unknown, Cast> = {
  init: (pubsub) => ({ pubsub, items: new Map(), nextId: 1 }),

  handleCall(req, _from, state) {
    switch (req.op) {
      case "list":
        return reply([...state.items.values()], state);
      case "add": {
        const item: Item = { id: state.nextId, text: req.text, done: false };
        const next = { ...state, items: new Map(state.items).set(item.id, item), nextId: state.nextId + 1 };
        publish(state.pubsub, { topic: ITEMS_TOPIC, event: "saved", payload: item });
        return reply(item, next);
      }
      case "toggle": {
        const old = state.items.get(req.id);
        if (old === undefined) return reply(null, state);
        const item = { ...old, done: !old.done };
        publish(state.pubsub, { topic: ITEMS_TOPIC, event: "saved", payload: item });
        return reply(item, { ...state, items: new Map(state.items).set(item.id, item) });
      }
    }
  },

  handleCast(req, state) {
    const old = state.items.get(req.id);
    if (old === undefined) return state;
    const items = new Map(state.items);
    items.delete(req.id);
    publish(state.pubsub, { topic: ITEMS_TOPIC, event: "deleted", payload: old });
    return { ...state, items };
  },
};

function publish(pubsub: PubSub, event: ItemEvent): void {
  void pubsub.broadcast(ITEMS_TOPIC, event);
}

/** The store's registered name: views reach it by name, so a restarted store is found at once. */
export const STORE = "items_store";

/** Starts the store, linked to the caller (its supervisor) and registered as {@link STORE}. */
export function startStore(pubsub: PubSub): Pid {
  return spawn(store, pubsub, { link: true, name: STORE });
}

/** The store's API, as functions, so that views never build its messages by hand. */
export const Items = {
  list: () => call<Item[]>(STORE, { op: "list" } satisfies Request),
  add: (text: string) => call<Item>(STORE, { op: "add", text } satisfies Request),
  toggle: (id: number) => call<Item | null>(STORE, { op: "toggle", id } satisfies Request),
  delete: (id: number) => cast(STORE, { op: "delete", id } satisfies Cast),
};
