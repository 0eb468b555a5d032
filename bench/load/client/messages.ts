/** The Phoenix channel messages a browser on the deploy page sends, as phoenix.js would frame them. */
import type { Page } from "./page.js";

/** `phx_join` of the page's live view. */
export function joinMessage(joinRef: string, topic: string, origin: string, page: Page): string {
  return JSON.stringify([
    joinRef,
    joinRef,
    topic,
    "phx_join",
    {
      url: `${origin}/`,
      params: { _csrf_token: page.csrf, _mounts: 0, _mount_attempts: 0 },
      session: page.session,
      static: page.static,
      sticky: false,
    },
  ]);
}

/** `[null, ref, "phoenix", "heartbeat", {}]`, as phoenix.js sends every 30 s. */
export function heartbeatMessage(ref: string): string {
  return JSON.stringify([null, ref, "phoenix", "heartbeat", {}]);
}

/** A click on a `phx-click` element: `event` push with `{type: "click", event, value}`. */
export function clickMessage(joinRef: string, ref: string, topic: string, event: string): string {
  return JSON.stringify([joinRef, ref, topic, "event", { type: "click", event, value: {} }]);
}
