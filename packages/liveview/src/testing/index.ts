/**
 * `@cinder/liveview/testing`, in the spirit of Phoenix.LiveViewTest: drive a live view from a test
 * with no browser and no network, yet through the real path: the endpoint's dead render, a signed
 * session token, the socket process, `phx_join`, the view process, the diff engine, and the JSON
 * frames, merged here as the browser client merges them.
 *
 * ```ts
 * const view = await live(endpoint, "/");
 * expect(view.html()).toContain("Count: 0");
 * await view.click("inc");
 * expect(view.html()).toContain("Count: 1");
 * endpoint.broadcast("counter", "reset", {});
 * await view.waitFor((html) => html.includes("Count: 0"));
 * ```
 *
 * Mounting (`live`, `liveIsolated`): live.ts; the mounted view a test drives: live_view_test.ts; its live
 * components: component_test.ts; redirects and error replies: outcomes.ts; the client's copy of the
 * rendered tree: client_tree.ts.
 */

export type { ComponentTest } from "./component_test.js";
export { type LiveIsolatedOptions, type LiveOptions, live, liveIsolated } from "./live.js";
export { LiveViewTest } from "./live_view_test.js";
export { type Redirect, RedirectError, ReplyError } from "./outcomes.js";
