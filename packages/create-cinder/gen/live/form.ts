import { defineComponent, form, html } from "@cinder/liveview";
import { type __Pascal__, __Pascal__s, cast__Pascal__ } from "./__snake___store.js";

interface Assigns {
  id: string;
  /** The __human__ being edited, or null for a new one. */
  __snake__: __Pascal__ | null;
  /** Where to go once saved. */
  returnTo: string;
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

/** The new/edit form, a live component: validates on change, saves on submit, then patches to returnTo. */
export const __Pascal__Form = defineComponent<Assigns>({
  name: "__Pascal__Form",
  update(assigns, socket) {
    socket.assign(assigns);
    if (socket.assigns.values === undefined) {
      const row = assigns.__snake__ ?? null;
      socket.assign({ values: row === null ? {} : { ...row }, errors: {} });
    }
  },
  events: {
    validate(value, socket) {
      const values = value.__snake__ ?? {};
      const result = cast__Pascal__(values);
      socket.assign({ values, errors: result.ok ? {} : result.errors });
    },
    async save(value, socket) {
      const values = value.__snake__ ?? {};
      const result = cast__Pascal__(values);
      if (!result.ok) {
        socket.assign({ values, errors: result.errors });
        return;
      }
      const existing = socket.assigns.__snake__;
      if (existing === null) await __Pascal__s.create(result.attrs);
      else await __Pascal__s.update(existing.id, result.attrs);
      socket.putFlash("info", existing === null ? "__Human__ created" : "__Human__ updated");
      socket.pushPatch(socket.assigns.returnTo);
    },
  },
  render: ({ id, values, errors, myself }) => html`<div id="${id}" class="modal">
  <h2>${values.id === undefined ? "New __human__" : "Edit __human__"}</h2>
  ${form(
    {
      for: values,
      as: "__snake__",
      errors,
      phxChange: "validate",
      phxSubmit: "save",
      attrs: { "phx-target": myself },
    },
    (f) => html`/*fields:inputs*/
    <button>Save</button>`,
  )}
</div>`,
});
