import { defineLiveView, html, type LiveView, link, liveComponent, type Params } from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import { __Pascal__Form } from "./__snake___form.js";
import { type __Pascal__, type __Pascal__Event, __Pascal__s, __PLURAL__TOPIC } from "./__snake___store.js";

interface Assigns {
  action: "index" | "new" | "edit";
  editing: __Pascal__ | null;
}

/**
 * The list of __human__s (a stream), with the new/edit form over it, as Phoenix's generated Index view. One
 * view serves `/__plural__`, `/__plural__/new` and `/__plural__/:id/edit`, so moving between them is a patch.
 */
export function __camel__IndexView(pubsub: PubSub): LiveView<Assigns, __Pascal__Event> {
  return defineLiveView<Assigns, __Pascal__Event>({
    name: "__Pascal__IndexView",
    async mount(_params, _session, socket) {
      if (socket.connected) pubsub.subscribe(__PLURAL__TOPIC);
      socket.assign({ action: "index", editing: null });
      socket.stream("__plural__", await __Pascal__s.list(), {
        domId: (row: __Pascal__) => `__plural__-${row.id}`,
      });
    },
    async handleParams(params: Params, url: URL, socket) {
      if (url.pathname.endsWith("/new")) {
        socket.assign({ action: "new", editing: null });
        socket.pageTitle = "New __human__";
      } else if (url.pathname.endsWith("/edit")) {
        socket.assign({ action: "edit", editing: await __Pascal__s.get(Number(params.id)) });
        socket.pageTitle = "Edit __human__";
      } else {
        socket.assign({ action: "index", editing: null });
        socket.pageTitle = "__Human__s";
      }
    },
    events: {
      async delete(value, socket) {
        await __Pascal__s.delete(Number(value.id));
        socket.putFlash("info", "__Human__ deleted");
      },
    },
    handleInfo(msg, socket) {
      if (msg.event === "saved") socket.streamInsert("__plural__", msg.payload);
      else socket.streamDelete("__plural__", msg.payload);
    },
    render: ({ action, editing, streams, flash }) => html`<main class="crud">
  <p class="flash" role="status">${flash.info ?? ""}</p>
  <header><h1>__Human__s</h1> ${link({ patch: "/__plural__/new" }, "New __human__")}</header>
  <table>
    <thead><tr>/*fields:th*/<th></th></tr></thead>
    <tbody id="__plural__" phx-update="stream">
      ${streams.__plural__.map(
        ([id, row]) => html`<tr id="${id}">/*fields:td*/
        <td>${link({ navigate: `/__plural__/${row.id}` }, "Show")}
          ${link({ patch: `/__plural__/${row.id}/edit` }, "Edit")}
          <button phx-click="delete" phx-value-id="${row.id}" data-confirm="Are you sure?">Delete</button></td>
      </tr>`,
      )}
    </tbody>
  </table>
  ${
    action === "index"
      ? ""
      : liveComponent(__Pascal__Form, { id: "__snake__-form", __snake__: editing, returnTo: "/__plural__" })
  }
</main>`,
  });
}
