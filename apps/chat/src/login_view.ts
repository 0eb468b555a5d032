import { defineLiveView, form, html } from "@cinder/liveview";
import { checkName } from "./user_cookie.js";

interface Assigns {
  values: { name?: string };
  errors: { name?: string };
  /** Set once the name is valid: the client then submits the form over HTTP to /session (the cookie). */
  trigger: boolean;
}

/**
 * Log in with a name. The form is checked live; once valid, `phx-trigger-action` makes the official client
 * submit it as a plain HTTP POST to `/session`, which sets the signed cookie (a live view cannot set cookies)
 * and redirects to the lobby.
 */
export const LoginView = defineLiveView<Assigns>({
  name: "LoginView",
  mount(_params, _session, socket) {
    socket.assign({ values: {}, errors: {}, trigger: false });
    socket.pageTitle = "Log in · Cinder chat";
  },
  events: {
    validate(value, socket) {
      const name = value.user?.name;
      socket.assign({
        values: { name },
        errors: checkName(name) === null ? { name: "1-24 letters, digits, - or _" } : {},
      });
    },
    login(value, socket) {
      const name = checkName(value.user?.name);
      if (name === null) {
        socket.assign({
          values: { name: value.user?.name },
          errors: { name: "1-24 letters, digits, - or _" },
        });
        return;
      }
      socket.assign({ values: { name }, errors: {}, trigger: true });
    },
  },
  render: ({ values, errors, trigger, flash }) => html`<main class="login">
  <h1>Cinder chat</h1>
  <p class="flash">${flash.error ?? ""}</p>
  ${form(
    {
      for: values,
      as: "user",
      errors,
      phxChange: "validate",
      phxSubmit: "login",
      attrs: { action: "/session", method: "post", "phx-trigger-action": trigger },
    },
    (f) => html`${f.input("name", { label: "Your name", attrs: { autocomplete: "off", autofocus: true } })}
    <button>Enter</button>`,
  )}
</main>`,
});
