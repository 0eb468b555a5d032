import { self } from "@cinder/actors";
import { defineLiveView, form, html, type LiveView, liveComponent } from "@cinder/liveview";
import type { Presence, PubSub } from "@cinder/pubsub";
import { ItemCard } from "./item_card.js";
import { ITEMS_TOPIC, type Item, type ItemEvent, Items } from "./store.js";

/** The topic presences are tracked in; its `presence_diff` broadcasts update the viewer count. */
const VIEWERS_TOPIC = "board:viewers";

interface Assigns {
  node: string;
  viewers: number;
  values: { text?: string };
  errors: { text?: string };
}

type Message = ItemEvent | { topic: typeof VIEWERS_TOPIC; event: "presence_diff" };

/** The text of a new card, or what is wrong with it. */
function validate(text: unknown): { text: string } | { error: string } {
  const t = typeof text === "string" ? text.trim() : "";
  if (t.length === 0) return { error: "can't be blank" };
  if (t.length > 140) return { error: "at most 140 characters" };
  return { text: t };
}

/**
 * The shared board: a form adds a card, every card is a live component in a stream (the server keeps no
 * copy of the list once it is sent), every change reaches every open board through PubSub, and Presence
 * counts who is here.
 */
export function boardView(deps: { pubsub: PubSub; presence: Presence }): LiveView<Assigns, Message> {
  const { pubsub, presence } = deps;
  // Every board lists the presences on every join: simple, and fine for hundreds of viewers. For thousands
  // per node, count once per node and tell the boards (Cinder's docs/presence.md, "Limits").
  const viewers = () => Object.keys(presence.list(VIEWERS_TOPIC)).length;
  return defineLiveView<Assigns, Message>({
    name: "BoardView",

    async mount(_params, _session, socket) {
      if (socket.connected) {
        pubsub.subscribe(ITEMS_TOPIC);
        pubsub.subscribe(VIEWERS_TOPIC);
        presence.track(self(), VIEWERS_TOPIC, socket.id, { node: pubsub.nodeName() });
      }
      socket.assign({ node: pubsub.nodeName(), viewers: viewers(), values: {}, errors: {} });
      socket.stream("items", await Items.list(), { domId: (item: Item) => `item-${item.id}` });
    },

    events: {
      validate(value, socket) {
        const text = value.card?.text;
        const checked = validate(text);
        socket.assign({ values: { text }, errors: "error" in checked ? { text: checked.error } : {} });
      },
      async add(value, socket) {
        const checked = validate(value.card?.text);
        if ("error" in checked) {
          socket.assign({ values: { text: value.card?.text }, errors: { text: checked.error } });
          return;
        }
        await Items.add(checked.text);
        socket.assign({ values: { text: "" }, errors: {} });
      },
    },

    handleInfo(msg, socket) {
      if (msg.event === "saved") socket.streamInsert("items", msg.payload);
      else if (msg.event === "deleted") socket.streamDelete("items", msg.payload);
      else socket.assign({ viewers: viewers() });
    },

    render: ({ node, viewers, values, errors, streams }) => html`<main class="board">
  <header>
    <h1>__APP_TITLE__</h1>
    <p class="meta"><span id="viewers">${viewers} here</span> · node ${node} ·
      <time phx-hook="LocalTime" id="clock"></time></p>
  </header>
  ${form(
    { for: values, as: "card", errors, phxChange: "validate", phxSubmit: "add" },
    (
      f,
    ) => html`${f.input("text", { label: "New card", attrs: { autocomplete: "off", "phx-debounce": "200" } })}
    <button>Add</button>`,
  )}
  <ul id="items" class="cards" phx-update="stream">
    ${streams.items.map(([id, item]) => html`${liveComponent(ItemCard, { id, item })}`)}
  </ul>
</main>`,
  });
}
