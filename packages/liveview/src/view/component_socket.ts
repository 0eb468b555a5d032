import type { UploadConfig } from "../upload/upload_config.js";
import { type SharedSocket, SocketState } from "./socket_state.js";
import type { ViewSocket } from "./view_socket.js";
import type { ViewUploads } from "./view_uploads.js";

/** Assigns every live component has, besides its own. */
export interface ComponentAssigns {
  /** The component's id, as given to `liveComponent`. */
  readonly id: string | number;
  /** The component's cid: `phx-target="${myself}"` sends an element's events to this component. */
  readonly myself: number;
  /** The uploads the component allowed with `socket.allowUpload`, by name; absent until the first one. */
  readonly uploads?: Readonly<Record<string, UploadConfig>>;
}

/**
 * What a live component's callbacks get as `socket`: its own assigns, and the page-level actions of its
 * view (events, navigation, flash), which act on the view.
 */
export interface ComponentSocket<A extends object = Record<string, unknown>>
  extends SharedSocket<A, ComponentSocket<A>> {
  /** The component's assigns, with its `id` and `myself`. Change them with {@link assign}. */
  readonly assigns: Readonly<A & ComponentAssigns>;
}

/** The one implementation of {@link ComponentSocket}. */
export class ComponentState<A extends object = Record<string, unknown>>
  extends SocketState<A, ComponentSocket<A>>
  implements ComponentSocket<A>
{
  protected readonly kind = "component";
  /** Whether it was never rendered (or must be rendered in full again). */
  fresh = true;
  /** The assigns its parent passed last, to skip updates that change nothing. */
  passed: Readonly<Record<string, unknown>> | null = null;

  constructor(
    readonly view: ViewSocket<any>,
    id: string | number,
    cid: number,
  ) {
    super({ id, myself: cid });
  }

  get connected(): boolean {
    return this.view.connected;
  }

  get assigns(): Readonly<A & ComponentAssigns> {
    return this.current as A & ComponentAssigns;
  }

  protected override checkKey(key: string): void {
    if (key === "myself" || key === "id")
      throw new TypeError(`assign: "${key}" is set by the component itself`);
  }

  /** After a render: sent stream operations are dropped (not a change), as the view's. */
  rendered(): void {
    this.changed.clear();
    this.fresh = false;
    this.pruneStreams();
  }

  pushEvent(event: string, payload?: unknown, opts?: { beforePatch?: boolean }): this {
    this.view.pushEvent(event, payload, opts);
    return this;
  }

  pushPatch(to: string, opts?: { replace?: boolean }): this {
    this.view.pushPatch(to, opts);
    return this;
  }

  pushNavigate(to: string, opts?: { replace?: boolean }): this {
    this.view.pushNavigate(to, opts);
    return this;
  }

  redirect(to: string | { external: string }): this {
    this.view.redirect(to);
    return this;
  }

  putFlash(kind: string, message: string): this {
    this.view.putFlash(kind, message);
    return this;
  }

  protected ownUploads(uploads: ViewUploads<ComponentSocket<A>>): void {
    this.view.addUploadOwner({ uploads, socket: this, cid: this.assigns.myself });
  }
}
