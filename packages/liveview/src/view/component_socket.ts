import type { UploadConfig, UploadEntry } from "../upload/upload_config.js";
import type { UploadOptions } from "../upload/upload_options.js";
import { SocketState } from "./socket_state.js";
import type { StreamInsertOptions, StreamOptions } from "./stream.js";
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
export interface ComponentSocket<A extends object = Record<string, unknown>> {
  /** False during the HTTP (dead) render. */
  readonly connected: boolean;
  /** The component's assigns, with its `id` and `myself`. Change them with {@link assign}. */
  readonly assigns: Readonly<A & ComponentAssigns>;
  /** Sets assigns; a key counts as changed only when its value is not `Object.is` the old one. */
  assign(values: Partial<A>): this;
  assign<K extends keyof A>(key: K, value: A[K]): this;
  /** Sets `key` to `fn(current value)`. */
  update<K extends keyof A>(key: K, fn: (value: A[K]) => A[K]): this;
  /** Sets `key` only if it has no value yet. */
  assignNew<K extends keyof A>(key: K, fn: () => A[K]): this;
  /** Sends an event to the client, as the view's `pushEvent`. */
  pushEvent(event: string, payload?: unknown, opts?: { beforePatch?: boolean }): this;
  /** Patches the view's URL, as the view's `pushPatch`. */
  pushPatch(to: string, opts?: { replace?: boolean }): this;
  /** Navigates to another live view, as the view's `pushNavigate`. */
  pushNavigate(to: string, opts?: { replace?: boolean }): this;
  /** A full page load, as the view's `redirect`. */
  redirect(to: string | { external: string }): this;
  /** Sets a flash message on the view. */
  putFlash(kind: string, message: string): this;
  /** A stream of the component's own (`assigns.streams[name]`), as the view's `stream`. */
  stream<T>(name: string, items: Iterable<T>, opts?: StreamOptions<T>): this;
  /** As the view's `streamInsert`, on the component's stream. */
  streamInsert<T>(name: string, item: T, opts?: StreamInsertOptions & { updateOnly?: boolean }): this;
  /** As the view's `streamDelete`, on the component's stream. */
  streamDelete<T>(name: string, item: T): this;
  /** As the view's `streamDeleteByDomId`, on the component's stream. */
  streamDeleteByDomId(name: string, id: string): this;
  /** As the view's `allowUpload`: the upload lives in this component's `assigns.uploads`. */
  allowUpload(name: string, options: UploadOptions<ComponentSocket<A>>): this;
  /** As the view's `cancelUpload`. */
  cancelUpload(name: string, ref: string): this;
  /** As the view's `uploadedEntries`. */
  uploadedEntries(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] };
  /** As the view's `consumeUploadedEntries`. */
  consumeUploadedEntries<R>(
    name: string,
    fn: (meta: any, entry: UploadEntry) => R | Promise<R>,
  ): Promise<R[]>;
  /** As the view's `consumeUploadedEntry`. */
  consumeUploadedEntry<R>(entry: UploadEntry, fn: (meta: any) => R | Promise<R>): Promise<R>;
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
