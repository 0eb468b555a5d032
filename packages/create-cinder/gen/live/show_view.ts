import { defineLiveView, html, link, type Params } from "@cinder/liveview";
import { type __Pascal__, __Pascal__s } from "./__snake___store.js";

/** One __human__. */
export const __Pascal__ShowView = defineLiveView<{ __snake__: __Pascal__ | null }>({
  name: "__Pascal__ShowView",
  async mount(params: Params, _session, socket) {
    const row = await __Pascal__s.get(Number(params.id));
    socket.assign({ __snake__: row });
    socket.pageTitle = row === null ? "Not found" : "Show __human__";
  },
  render: ({ __snake__: row }) =>
    row === null
      ? html`<main class="crud"><h1>No such __human__</h1>${link({ navigate: "/__plural__" }, "Back")}</main>`
      : html`<main class="crud">
  <h1>__Human__ ${row.id}</h1>
  <dl>/*fields:dl*/</dl>
  ${link({ navigate: "/__plural__" }, "Back to __human__s")}
</main>`,
});
