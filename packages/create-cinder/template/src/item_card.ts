import { defineComponent, html, JS } from "@cinder/liveview";
import { type Item, Items } from "./store.js";

/**
 * One card of the board, a live component: its buttons target the card itself (`phx-target="${myself}"`),
 * so their events reach the card's `events`, not the board's. The store broadcasts each change, and the
 * board passes the new item down to the card on every node.
 */
export const ItemCard = defineComponent<{ id: string; item: Item }>({
  name: "ItemCard",
  events: {
    async toggle(_value, socket) {
      await Items.toggle(socket.assigns.item.id);
    },
    delete(_value, socket) {
      Items.delete(socket.assigns.item.id);
    },
  },
  render: ({ id, item, myself }) => html`<li id="${id}" class="${item.done ? "card done" : "card"}">
  <button class="check" phx-click="toggle" phx-target="${myself}" aria-label="Toggle">${item.done ? "✓" : ""}</button>
  <span class="text">${item.text}</span>
  <button class="delete" phx-click="${JS.push("delete", { target: myself }).hide({ to: `#${id}` })}"
    aria-label="Delete">×</button>
</li>`,
});
