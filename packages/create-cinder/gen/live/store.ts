import { type Behaviour, call, type Pid, reply, spawn } from "@cinder/actors";
import type { PubSub } from "@cinder/pubsub";

/** A __human__ as the store keeps it. */
export interface __Pascal__ {
  readonly id: number;
  /*fields:type*/
}

/** What a form gives to create or change a __human__ (everything but the id). */
export type __Pascal__Attrs = Omit<__Pascal__, "id">;

/** The topic each change is broadcast on, as `{ topic, event: "saved" | "deleted", payload }`. */
export const __PLURAL__TOPIC = "__plural__";

export type __Pascal__Event =
  | { topic: typeof __PLURAL__TOPIC; event: "saved"; payload: __Pascal__ }
  | { topic: typeof __PLURAL__TOPIC; event: "deleted"; payload: __Pascal__ };

type Request =
  | { op: "list" }
  | { op: "get"; id: number }
  | { op: "create"; attrs: __Pascal__Attrs }
  | { op: "update"; id: number; attrs: __Pascal__Attrs }
  | { op: "delete"; id: number };

interface State {
  readonly pubsub: PubSub;
  readonly rows: ReadonlyMap<number, __Pascal__>;
  readonly nextId: number;
}

const STORE = "__plural___store";

// One process holds every __human__ in memory: changes go through its mailbox one at a time and are
// broadcast. Replace its state with a database when the app needs one; the views do not change.
const store: Behaviour<State, never, PubSub, Request> = {
  init: (pubsub) => ({ pubsub, rows: new Map(), nextId: 1 }),
  handleCall(req, _from, state) {
    const publish = (event: "saved" | "deleted", payload: __Pascal__) =>
      void state.pubsub.broadcast(__PLURAL__TOPIC, { topic: __PLURAL__TOPIC, event, payload });
    switch (req.op) {
      case "list":
        return reply([...state.rows.values()], state);
      case "get":
        return reply(state.rows.get(req.id) ?? null, state);
      case "create": {
        const row: __Pascal__ = { ...req.attrs, id: state.nextId };
        publish("saved", row);
        return reply(row, { ...state, rows: new Map(state.rows).set(row.id, row), nextId: state.nextId + 1 });
      }
      case "update": {
        if (!state.rows.has(req.id)) return reply(null, state);
        const row: __Pascal__ = { ...req.attrs, id: req.id };
        publish("saved", row);
        return reply(row, { ...state, rows: new Map(state.rows).set(row.id, row) });
      }
      case "delete": {
        const row = state.rows.get(req.id);
        if (row === undefined) return reply(false, state);
        const rows = new Map(state.rows);
        rows.delete(req.id);
        publish("deleted", row);
        return reply(true, { ...state, rows });
      }
    }
  },
};

/** Starts the store, linked to its supervisor and registered by name. */
export function start__Pascal__Store(pubsub: PubSub): Pid {
  return spawn(store, pubsub, { link: true, name: STORE });
}

/** The store's API. */
export const __Pascal__s = {
  list: () => call<__Pascal__[]>(STORE, { op: "list" } satisfies Request),
  get: (id: number) => call<__Pascal__ | null>(STORE, { op: "get", id } satisfies Request),
  create: (attrs: __Pascal__Attrs) => call<__Pascal__>(STORE, { op: "create", attrs } satisfies Request),
  update: (id: number, attrs: __Pascal__Attrs) =>
    call<__Pascal__ | null>(STORE, { op: "update", id, attrs } satisfies Request),
  delete: (id: number) => call<boolean>(STORE, { op: "delete", id } satisfies Request),
};

/** The form's text values turned into attrs, or the error of each field that is wrong. */
export function cast__Pascal__(
  values: Record<string, unknown>,
): { ok: true; attrs: __Pascal__Attrs } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const text = (name: string) => (typeof values[name] === "string" ? (values[name] as string).trim() : "");
  /*fields:cast*/
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    attrs: {
      /*fields:attrs*/
    },
  };
}
