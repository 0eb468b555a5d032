import type { Params } from "../params.js";
import type { LiveViewSocket } from "./view_socket.js";

/** What an {@link OnMount} hook returns: nothing to go on, `{ halt: true }` to stop the mount. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing must type-check
export type OnMountResult = void | { readonly halt: true };

/**
 * A hook that runs before a view's `mount`, in the dead render and again in the connected mount, as
 * Phoenix's `on_mount`: it may assign (`socket.assign({ user })`) and may stop the mount by sending the
 * browser elsewhere and halting:
 *
 * ```ts
 * const requireUser: OnMount = (_params, session, socket) => {
 *   if (typeof session.userId !== "string") {
 *     socket.putFlash("error", "Please log in").redirect("/login");
 *     return { halt: true };
 *   }
 *   socket.assign({ userId: session.userId });
 * };
 * ```
 *
 * Over HTTP a halt is a 302 to where the hook sent the browser; over the websocket the join is refused
 * with that redirect, and the official client follows it. Running on both is what makes it a guard: a
 * live navigation from another page joins the view without any HTTP request.
 */
export type OnMount = (
  params: Params,
  session: Readonly<Record<string, unknown>>,
  socket: LiveViewSocket<any>,
) => OnMountResult | Promise<OnMountResult>;

/** One hook or several, as the `onMount` options take them. */
export type OnMountOption = OnMount | readonly OnMount[];

/** The hooks of an `onMount` option as a list; throws a TypeError naming `where` for anything else. */
export function onMountHooks(option: unknown, where: string): readonly OnMount[] {
  if (option === undefined) return [];
  const hooks = Array.isArray(option) ? option : [option];
  for (const h of hooks)
    if (typeof h !== "function")
      throw new TypeError(`${where}: onMount must be a function or an array of them`);
  return Object.freeze([...hooks]) as readonly OnMount[];
}

/**
 * Runs `hooks` in order until one halts. Returns whether one halted. A hook that halts must first send the
 * browser somewhere (`redirect`, `pushNavigate`, `pushPatch` to another view): halting with nowhere to go
 * would leave the page empty, so it throws, naming the view.
 */
export async function runOnMount(
  hooks: readonly OnMount[],
  params: Params,
  session: Readonly<Record<string, unknown>>,
  socket: LiveViewSocket<any> & { readonly navigation: { readonly kind: string } | null },
  viewName: string,
): Promise<boolean> {
  for (const hook of hooks) {
    const result = await hook(params, session, socket);
    if (typeof result === "object" && result !== null && (result as { halt?: unknown }).halt === true) {
      const which = `${viewName}: an onMount hook${hook.name ? ` (${hook.name})` : ""}`;
      if (socket.navigation === null)
        throw new Error(
          `${which} halted without sending the browser elsewhere; call socket.redirect or socket.pushNavigate before returning { halt: true }`,
        );
      // A patch keeps the view on the page, and a halted view was never mounted.
      if (socket.navigation.kind === "patch")
        throw new Error(`${which} halted with pushPatch; use socket.redirect or socket.pushNavigate`);
      return true;
    }
  }
  return false;
}
