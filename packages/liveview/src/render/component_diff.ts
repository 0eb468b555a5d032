import type { ComponentCall } from "./component_call.js";
import type { Rendered } from "./rendered.js";
import {
  type ComponentHost,
  type Diff,
  diffChildren,
  fullChildren,
  newTree,
  type TreeNode,
  withComponents,
} from "./tree_diff.js";

/**
 * What the diff engine needs from a view's components: it does not know how they are mounted, updated or
 * stored, only which cid a call resolves to and what a cid renders now.
 */
export interface ComponentSource {
  /** The cid of the component `call` names: mounts it when new, queues an update when its assigns changed. */
  cidFor(call: ComponentCall): number;
  /** Runs queued updates (batched per definition) and returns the cids whose render is due, clearing them. */
  due(): number[];
  /** Renders the component `cid` from its current assigns and forgets its changes. */
  render(cid: number): Rendered;
}

/**
 * What one view's client holds of its live components (their trees, by cid), and the `"c"` part of each
 * diff: the components that changed, or that a render placed and the client does not hold, sent by cid.
 */
export class ComponentTrees implements ComponentHost {
  readonly #source: ComponentSource | undefined;
  // Made by the first component: most views have none, and two empty Maps per connected view cost more
  // than the rest of the tracker.
  /** What the client holds of each component, by cid. */
  #trees: Map<number, TreeNode> | null = null;
  /** For a component template the client holds, one cid holding it (a diff may share its statics). */
  #held: Map<readonly string[], number> | null = null;
  /** Components referenced by the render under way that the client does not hold: rendered in full. */
  #missing: number[] = NONE_MISSING;

  /** `source`: where live components placed in templates come from (none: templates may hold none). */
  constructor(source: ComponentSource | undefined) {
    this.#source = source;
  }

  /** Forgets every component: a new root tree replaces the client's components too. */
  clear(): void {
    this.#trees = null;
    this.#held = null;
    this.#missing = NONE_MISSING;
  }

  /** The client is about to remove these components: one rendered again is sent in full. */
  willDestroy(cids: readonly number[]): void {
    const trees = this.#trees;
    if (trees !== null) for (const cid of cids) trees.delete(cid);
  }

  /** The client removed these components: their statics can no longer be shared. */
  destroyed(cids: readonly number[]): void {
    this.willDestroy(cids);
    const held = this.#held;
    if (held !== null) for (const [statics, cid] of held) if (cids.includes(cid)) held.delete(statics);
  }

  /** Runs `render` with these components in reach of its templates, then adds what they changed as `"c"`. */
  run(render: () => Diff | undefined): Diff | undefined {
    return withComponents(this, () => {
      let out = render();
      const c = this.#render();
      if (c !== undefined) (out ??= {}).c = c;
      return out;
    });
  }

  /** The cid a template's `liveComponent(...)` stands for. */
  cidFor(call: ComponentCall): number {
    const source = this.#source;
    if (source === undefined)
      throw new TypeError(
        "liveComponent(...) can only be rendered by a live view (it needs the view's components)",
      );
    const cid = source.cidFor(call);
    if (this.#trees?.has(cid) !== true) {
      if (this.#missing === NONE_MISSING) this.#missing = [cid];
      else this.#missing.push(cid);
    }
    return cid;
  }

  /**
   * Renders every component that is due (changed, or referenced but not on the client), and those their
   * renders make due in turn, into the `"c"` map.
   */
  #render(): Diff | undefined {
    const source = this.#source;
    if (source === undefined) return undefined;
    let due = source.due();
    if (due.length === 0 && this.#missing.length === 0) return undefined;
    let c: Diff | undefined;
    // Templates sent in full by this diff: a later component of this diff may share them by positive cid.
    const sentNow = new Map<readonly string[], number>();
    const trees = (this.#trees ??= new Map());
    const held = (this.#held ??= new Map());
    for (;;) {
      for (const cid of this.#missing) if (!due.includes(cid)) due.push(cid);
      this.#missing = NONE_MISSING;
      if (due.length === 0) break;
      due.sort((a, b) => a - b);
      for (const cid of due) {
        const rendered = source.render(cid);
        c ??= {};
        let tree = trees.get(cid);
        // A component rendered twice in one diff (a parent updated it after it rendered) is sent in full
        // the second time: one entry per cid, and a full one replaces whatever the first said.
        if (c[cid] !== undefined) tree = undefined;
        if (tree !== undefined && tree.statics === rendered.statics) {
          const d = diffChildren(tree.slots, rendered);
          if (d !== undefined) c[cid] = d;
          continue;
        }
        tree = newTree(rendered);
        trees.set(cid, tree);
        const now = sentNow.get(rendered.statics);
        const holder = held.get(rendered.statics);
        const out: Diff = {
          s: now !== undefined ? now : holder !== undefined && holder !== cid ? -holder : rendered.statics,
        };
        fullChildren(tree.slots, rendered, out);
        out.r = 1;
        c[cid] = out;
        sentNow.set(rendered.statics, cid);
      }
      due = source.due();
    }
    // A component sent in full may have changed template: it no longer holds the statics it held.
    for (const [statics, cid] of held)
      if (c?.[cid] !== undefined && trees.get(cid)?.statics !== statics) held.delete(statics);
    for (const [statics, cid] of sentNow) held.set(statics, cid);
    return c;
  }
}

/** No component missing: shared by every view until one is (frozen: replaced, never pushed to). */
const NONE_MISSING = Object.freeze([]) as unknown as number[];
