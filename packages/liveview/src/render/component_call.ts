/**
 * A live component placed in a template, as `liveComponent(Comp, { id, ...assigns })` makes it: which
 * component, its id (unique per component definition within a view) and the assigns the parent gives it.
 * The diff engine turns it into the component's cid; the view's component registry owns the state.
 */
export class ComponentCall {
  constructor(
    /** The component definition (opaque to the render layer). */
    readonly component: object,
    /** The component's id within its definition. */
    readonly id: string | number,
    /** What the parent passes, `id` excluded. */
    readonly assigns: Readonly<Record<string, unknown>>,
  ) {}
}
