import { strictChecks } from "@cinder/actors";
import type { UploadEntry } from "../upload/upload_config.js";
import type { UploadOptions } from "../upload/upload_options.js";
import { deepFreezeAssign } from "./deep_freeze.js";
import { type LiveStream, type StreamInsertOptions, type StreamOptions, Streams } from "./stream.js";
import { ViewUploads } from "./view_uploads.js";

/**
 * The keys changed since the last render, in the order they changed: a few at most, so an array made on
 * the first change and dropped at the render (a Set per view would hold its table for the view's life).
 */
export class ChangedKeys implements Iterable<string> {
  #keys: string[] | null = null;

  get size(): number {
    return this.#keys === null ? 0 : this.#keys.length;
  }

  has(key: string): boolean {
    return this.#keys?.includes(key) === true;
  }

  add(key: string): this {
    if (this.#keys === null) this.#keys = [key];
    else if (!this.#keys.includes(key)) this.#keys.push(key);
    return this;
  }

  clear(): void {
    this.#keys = null;
  }

  [Symbol.iterator](): Iterator<string> {
    return (this.#keys ?? [])[Symbol.iterator]();
  }
}

/**
 * What a live view's socket and a live component's socket both offer their callbacks. A component's
 * page-level actions (events, navigation, flash) act on its view; its assigns, streams and uploads are its
 * own. `S` is the socket type upload callbacks get.
 */
export interface SharedSocket<A extends object, S> {
  /** False during the HTTP (dead) render, true in the live-view process behind a websocket. */
  readonly connected: boolean;
  /**
   * Sets assigns. A key counts as changed only when its value is not `Object.is` the old one, so a
   * mutated-in-place object is not seen: assign a new object instead. A callback that changes nothing
   * renders nothing.
   */
  assign(values: Partial<A>): this;
  assign<K extends keyof A>(key: K, value: A[K]): this;
  /** Sets `key` to `fn(current value)`. */
  update<K extends keyof A>(key: K, fn: (value: A[K]) => A[K]): this;
  /** Sets `key` only if it has no value yet (as Phoenix's `assign_new`). */
  assignNew<K extends keyof A>(key: K, fn: () => A[K]): this;
  /** Sends an event to the client: a window `phx:<event>` event and hooks' `handleEvent`. */
  pushEvent(event: string, payload?: unknown, opts?: { beforePatch?: boolean }): this;
  /** Changes the view's URL without leaving it; its `handleParams` runs with the new params. */
  pushPatch(to: string, opts?: { replace?: boolean }): this;
  /** Navigates to another live view over the same websocket (no page load). */
  pushNavigate(to: string, opts?: { replace?: boolean }): this;
  /** A full page load of `to` (a local path), or of any URL with `{ external }`. Ends the view. */
  redirect(to: string | { external: string }): this;
  /** Sets a flash message on the view, shown by its `render` through `assigns.flash`, kept across a redirect. */
  putFlash(kind: string, message: string): this;
  /**
   * Allows file uploads named `name` (rendered with `liveFileInput(assigns.uploads.<name>)`, in this socket's
   * own assigns): accepted types, limits, and where the bytes go. Throws if the upload already has entries.
   */
  allowUpload(name: string, options: UploadOptions<S>): this;
  /** Cancels an entry (a "cancel" button's `phx-value-ref`); its transfer stops and its temp file goes. */
  cancelUpload(name: string, ref: string): this;
  /** The entries of `name`, completed and in progress (including those in error). */
  uploadedEntries(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] };
  /**
   * Consumes every completed entry of `name`: `fn` gets its meta (`{ path }` of a temp file for the
   * default writer, which is deleted once `fn` settles; a custom writer's `close` result; an external
   * upload's meta) and the entry. The entries are then removed; return `new Postpone(value)` to keep one.
   */
  consumeUploadedEntries<R>(
    name: string,
    fn: (meta: any, entry: UploadEntry) => R | Promise<R>,
  ): Promise<R[]>;
  /** As {@link consumeUploadedEntries}, for one completed entry. */
  consumeUploadedEntry<R>(entry: UploadEntry, fn: (meta: any) => R | Promise<R>): Promise<R>;
  /**
   * Creates the stream `name` (this socket's `assigns.streams[name]`) or inserts `items` into it (each at
   * `at`, default -1: appended), after removing all its items from the page with `reset`. The items are
   * sent with the next render and then forgotten by the server.
   */
  stream<T>(name: string, items: Iterable<T>, opts?: StreamOptions<T>): this;
  /** Inserts or updates (same DOM id: in place) one item; `updateOnly` never adds one the page lacks. */
  streamInsert<T>(name: string, item: T, opts?: StreamInsertOptions & { updateOnly?: boolean }): this;
  /** Removes `item` (by its DOM id) from the page. */
  streamDelete<T>(name: string, item: T): this;
  /** Removes the item with DOM id `id` from the page. */
  streamDeleteByDomId(name: string, id: string): this;
}

/**
 * What a view's socket and a live component's socket share: their assigns with change tracking (a fresh
 * object per change, deep-frozen in development and test), their streams and their uploads. `U` is the
 * socket type their upload callbacks get.
 */
export abstract class SocketState<A extends object, U> {
  #assigns: Record<string, unknown>;
  /** Development and test: assigned values are deep-frozen (see {@link deepFreezeAssign}). */
  readonly #strict = strictChecks();
  /** Keys changed since the last render. */
  readonly changed = new ChangedKeys();
  /** Made by the first stream call: most views have none (it holds a closure, kept for the view's life). */
  #streamsBox: Streams | null = null;
  #uploads: ViewUploads<U> | null = null;

  protected constructor(initial: Record<string, unknown>) {
    this.#assigns = initial;
  }

  /** The assigns as they are now. */
  protected get current(): Record<string, unknown> {
    return this.#assigns;
  }

  assign(values: Partial<A>): this;
  assign<K extends keyof A>(key: K, value: A[K]): this;
  assign(keyOrValues: unknown, value?: unknown): this {
    if (typeof keyOrValues === "string") {
      this.setAssign(keyOrValues, value);
    } else if (typeof keyOrValues === "object" && keyOrValues !== null) {
      for (const key of Object.keys(keyOrValues))
        this.setAssign(key, (keyOrValues as Record<string, unknown>)[key]);
    } else {
      throw new TypeError("assign: expected an object of assigns, or a key and a value");
    }
    return this;
  }

  update<K extends keyof A>(key: K, fn: (value: A[K]) => A[K]): this {
    this.setAssign(key as string, fn(this.#assigns[key as string] as A[K]));
    return this;
  }

  assignNew<K extends keyof A>(key: K, fn: () => A[K]): this {
    if (!Object.hasOwn(this.#assigns, key)) this.setAssign(key as string, fn());
    return this;
  }

  /** Throws for a key the socket keeps for itself (the component's `id` and `myself`). */
  protected checkKey(_key: string): void {}

  /** Sets one assign, marking it changed unless its value is `Object.is` the old one. */
  protected setAssign(key: string, value: unknown): void {
    if (key === "__proto__") throw new TypeError('assign: "__proto__" cannot be an assign');
    this.checkKey(key);
    const assigns = this.#assigns;
    if (Object.hasOwn(assigns, key) && Object.is(assigns[key], value)) return;
    // A fresh object per change: render functions may keep the assigns they got, and must not see
    // them change under their feet.
    this.#assigns = { ...assigns, [key]: value };
    if (this.#strict) {
      deepFreezeAssign(key, value);
      Object.freeze(this.#assigns);
    }
    this.changed.add(key);
  }

  /** Replaces the assigns without marking a change (what happens after a render). */
  protected replaceAssigns(next: Record<string, unknown>): void {
    this.#assigns = this.#strict ? Object.freeze(next) : next;
  }

  /** After a render: sent streams keep only their configuration, in a fresh object (not a change). */
  protected pruneStreams(): void {
    const streams = Streams.pruned(this.#streamsNow());
    if (streams !== null) this.replaceAssigns({ ...this.#assigns, streams });
  }

  stream<T>(name: string, items: Iterable<T>, opts?: StreamOptions<T>): this {
    this.#streams.stream(this.#streamsNow(), name, items, opts);
    return this;
  }

  streamInsert<T>(name: string, item: T, opts?: StreamInsertOptions & { updateOnly?: boolean }): this {
    this.#streams.insert(this.#streamsNow(), name, item, opts);
    return this;
  }

  streamDelete<T>(name: string, item: T): this {
    this.#streams.delete(this.#streamsNow(), name, item);
    return this;
  }

  streamDeleteByDomId(name: string, id: string): this {
    this.#streams.deleteByDomId(this.#streamsNow(), name, id);
    return this;
  }

  get #streams(): Streams {
    return (this.#streamsBox ??= new Streams((next) => this.setAssign("streams", next)));
  }

  #streamsNow(): Record<string, LiveStream> | undefined {
    return this.#assigns.streams as Record<string, LiveStream> | undefined;
  }

  /** Registers this socket's uploads with the view (made at the first `allowUpload`). */
  protected abstract ownUploads(uploads: ViewUploads<U>): void;

  /** "view" or "component", for errors. */
  protected abstract readonly kind: string;

  allowUpload(name: string, options: UploadOptions<U>): this {
    if (this.#uploads === null) {
      this.#uploads = new ViewUploads((configs) => this.setAssign("uploads", configs));
      this.ownUploads(this.#uploads);
    }
    this.#uploads.allow(name, options);
    return this;
  }

  cancelUpload(name: string, ref: string): this {
    this.#uploadsFor("cancelUpload").cancel(name, ref);
    return this;
  }

  uploadedEntries(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] } {
    return this.#uploadsFor("uploadedEntries").uploaded(name);
  }

  consumeUploadedEntries<R>(
    name: string,
    fn: (meta: any, entry: UploadEntry) => R | Promise<R>,
  ): Promise<R[]> {
    return this.#uploadsFor("consumeUploadedEntries").consume(name, fn);
  }

  consumeUploadedEntry<R>(entry: UploadEntry, fn: (meta: any) => R | Promise<R>): Promise<R> {
    return this.#uploadsFor("consumeUploadedEntry").consumeOne(entry, fn);
  }

  #uploadsFor(where: string): ViewUploads<U> {
    if (this.#uploads === null)
      throw new Error(`${where}: this ${this.kind} allowed no uploads (call allowUpload in mount)`);
    return this.#uploads;
  }
}
