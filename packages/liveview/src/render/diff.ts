import { type ComponentSource, ComponentTrees } from "./component_diff.js";
import type { Rendered } from "./rendered.js";
import { type Diff, diffChildren, fullChildren, newTree, type TreeNode } from "./tree_diff.js";

export type { Diff };

// The engine: the tree the client holds and each render compared with it, slot by slot, comprehensions and
// streams included (tree_diff.ts, which also defines `Diff`); live components' trees (component_diff.ts).

/**
 * An event for the client, as `push_event` sends it: dispatched as a window `phx:<event>` event and to
 * hooks' `handleEvent`. A third element `true` dispatches it before the DOM patch instead of after.
 */
export type PushEvent =
  | readonly [event: string, payload: unknown]
  | readonly [event: string, payload: unknown, beforePatch: true];

/** What travels beside the rendered tree at the top level of a diff. */
export interface DiffExtras {
  /** The page title; sent as `"t"` only when it differs from the last title sent. */
  title?: string;
  /** Events to dispatch on the client, sent as `"e"` when non-empty. */
  events?: readonly PushEvent[];
}

/**
 * Remembers what one live view last sent to its client and turns each new render into the smallest
 * diff the client can merge: statics once per fingerprint and position, then only changed dynamics.
 *
 * ```ts
 * const tracker = new DiffTracker();
 * reply({ rendered: tracker.render(view.render(assigns)) }); // join
 * const diff = tracker.diff(view.render(assigns));            // later
 * reply(diff === null ? {} : { diff });
 * ```
 */
export class DiffTracker {
  #root: TreeNode | undefined = undefined;
  #title: string | undefined = undefined;
  readonly #components: ComponentTrees;

  /** `components`: where live components placed in templates come from (none: templates may hold none). */
  constructor(components?: ComponentSource) {
    this.#components = new ComponentTrees(components);
  }

  /**
   * A full render (every static and dynamic), for the join reply. Forgets anything sent before, as a
   * rejoining client starts from scratch. `extras.title` is sent as `"t"` when given.
   */
  render(rendered: Rendered, extras?: DiffExtras): Diff {
    const root = newTree(rendered);
    // A new root tree replaces the client's components too.
    this.#components.clear();
    const out = this.#components.run(() => fullChildren(root.slots, rendered, { s: rendered.statics }))!;
    this.#root = root;
    this.#title = extras?.title;
    if (extras?.title !== undefined) out.t = extras.title;
    if (extras?.events !== undefined && extras.events.length > 0) out.e = extras.events;
    return out;
  }

  /**
   * The changes since the last render or diff, or null when there are none (reply `{}` then).
   * Before any render, or when the root template itself changed, this is a full render. `rendered` null
   * means the view itself did not change: only its components' changes (if any) are sent.
   */
  diff(rendered: Rendered | null, extras?: DiffExtras): Diff | null {
    const root = this.#root;
    if (rendered !== null && (root === undefined || root.statics !== rendered.statics)) {
      const title = this.#title;
      const out = this.render(rendered, extras);
      // The client keeps its title across diffs, so a title it already shows is not resent.
      if (extras?.title === undefined) this.#title = title;
      else if (extras.title === title) delete out.t;
      return out;
    }
    let out = this.#components.run(() =>
      rendered === null || root === undefined ? undefined : diffChildren(root.slots, rendered),
    );
    const title = extras?.title;
    if (title !== undefined && title !== this.#title) {
      this.#title = title;
      (out ??= {}).t = title;
    }
    const events = extras?.events;
    if (events !== undefined && events.length > 0) (out ??= {}).e = events;
    return out ?? null;
  }

  /**
   * The client is about to remove these components (`cids_will_destroy`): should one be rendered again,
   * it is sent in full, as the client has reset it.
   */
  willDestroy(cids: readonly number[]): void {
    this.#components.willDestroy(cids);
  }

  /** The client removed these components (`cids_destroyed`): their statics can no longer be shared. */
  destroyed(cids: readonly number[]): void {
    this.#components.destroyed(cids);
  }
}
