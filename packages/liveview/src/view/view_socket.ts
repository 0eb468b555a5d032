import { type Flash, NO_FLASH } from "../flash.js";
import { localPath } from "../local_path.js";
import type { PushEvent } from "../render/diff.js";
import type { UploadConfig } from "../upload/upload_config.js";
import { assignAsync, cancelAsync, startAsync } from "./async_assigns.js";
import type { AsyncResult } from "./async_result.js";
import type { AsyncTasks } from "./async_tasks.js";
import { type SharedSocket, SocketState } from "./socket_state.js";
import type { LiveStream } from "./stream.js";
import type { UploadOwner, ViewUploads } from "./view_uploads.js";

/** Assigns every view has, besides its own. */
export interface BuiltinAssigns {
  /** Flash messages: set with `socket.putFlash`, carried across redirects, cleared by `lv:clear-flash`. */
  readonly flash: Flash;
  /** The uploads allowed with `socket.allowUpload`, by name; absent until the first one. */
  readonly uploads?: Readonly<Record<string, UploadConfig>>;
  /** The view's streams by name, once `socket.stream` created them; render them with `.map(...)`. */
  readonly streams: Readonly<Record<string, LiveStream>>;
}

const NO_STREAMS: Readonly<Record<string, LiveStream>> = Object.freeze({});
/** No events and no uploads: shared by every view until it has some (an empty array each is 32 B per view). */
const NO_EVENTS: readonly PushEvent[] = Object.freeze([]);
const NO_UPLOAD_OWNERS: readonly UploadOwner[] = Object.freeze([]);

/** Where a handler asked to go next; applied by the view process after the handler returns. */
export type Navigation =
  | { kind: "patch"; to: string; replace: boolean }
  | { kind: "navigate"; to: string; replace: boolean }
  | { kind: "redirect"; to: string; external: boolean };

/**
 * What a live view's callbacks get as `socket`: its assigns and the ways to act on the page. Every
 * method records an intent; the view process applies it when the callback returns (re-render, diff,
 * push), as Phoenix applies the socket returned from a callback.
 */
export interface LiveViewSocket<A extends object = Record<string, unknown>>
  extends SharedSocket<A, LiveViewSocket<A>> {
  /** The view's DOM id (`phx-...`); its channel topic is `lv:<id>`. */
  readonly id: string;
  /**
   * The current assigns. Change them with {@link assign}, never in place: they are immutable values, and in
   * development and test they are deep-frozen (plain objects and arrays), so `assigns.items.push(x)` throws.
   */
  readonly assigns: Readonly<A & BuiltinAssigns>;
  /** The client's connect params (`LiveSocket` `params`; `_csrf_token` removed); `{}` when not connected. */
  readonly connectParams: Readonly<Record<string, unknown>>;
  /** The page's current URL. */
  readonly url: URL;
  /** Removes one flash message, or all of them. */
  clearFlash(kind?: string): this;
  /** The page title (`<title>`); setting it updates the browser's title with the next diff. */
  pageTitle: string | undefined;
  /**
   * Loads assigns without blocking the view: each key becomes `AsyncResult.loading()` now, and `ok` (with
   * its value from the object `fn` resolves to) or `failed` (with what it threw) when `fn` settles. The view
   * keeps handling events meanwhile; a failure only fails the assigns. `fn` gets an `AbortSignal`, aborted
   * when the view exits, the keys are loaded again, or {@link cancelAsync} runs. Disconnected (the dead
   * render) only the loading state is set; the work starts with the connected mount.
   */
  assignAsync<K extends AsyncKeys<A>>(
    keys: K | readonly K[],
    fn: (signal: AbortSignal) => Promise<{ [P in K]: AsyncValue<A[P]> }> | { [P in K]: AsyncValue<A[P]> },
  ): this;
  /**
   * Runs `fn` beside the view (not blocking it); its outcome goes to the view's `handleAsync(name, outcome,
   * socket)` as `{ ok: true, value }` or `{ ok: false, reason }`. Starting `name` again aborts the earlier run.
   */
  startAsync(name: string, fn: (signal: AbortSignal) => unknown): this;
  /**
   * Cancels the work started under `name` (`startAsync`: `handleAsync` then gets `{ ok: false, reason: {
   * cancelled: reason } }`) or loading `keys` (`assignAsync`: they become `failed` with that reason).
   */
  cancelAsync(nameOrKeys: string | readonly string[], reason?: unknown): this;
  /**
   * Assigns reset to the given values after every render (Phoenix's temporary assigns), without counting
   * as a change: a view that appends to a long list assigns only the new items, renders them into a
   * `phx-update="append"` container, and keeps no list in memory. Also settable as the view's
   * `temporaryAssigns`.
   */
  setTemporaryAssigns(defaults: Partial<A>): this;
}

/** The keys of `A` that hold an {@link AsyncResult}. */
export type AsyncKeys<A> = {
  [K in keyof A]: A[K] extends AsyncResult<any> | undefined ? K : never;
}[keyof A] &
  string;
/** The value an {@link AsyncResult} assign holds once loaded. */
export type AsyncValue<R> = R extends AsyncResult<infer T> | undefined ? T : never;

/**
 * The one implementation of {@link LiveViewSocket}, with the bookkeeping the view process reads
 * between callbacks (changed keys, pending events and navigation).
 */
export class ViewSocket<A extends object = Record<string, unknown>>
  extends SocketState<A, LiveViewSocket<A>>
  implements LiveViewSocket<A>
{
  protected readonly kind = "view";
  /** Events waiting for the next diff. */
  events: readonly PushEvent[] = NO_EVENTS;
  /** Navigation requested by the running callback (the last request wins). */
  navigation: Navigation | null = null;
  #title: string | undefined;
  /** Whether the title changed since the last render. */
  titleChanged = false;
  /**
   * The page's URL as text, parsed into {@link url} on first read: a URL object is ~200 B per connected
   * view, and most views never read it.
   */
  #href: string;
  #url: URL | null = null;
  /** The view's async work in flight (made by the first `assignAsync`/`startAsync` when connected). */
  asyncTasks: AsyncTasks | null = null;
  /** Temporary assigns and the values they return to after each render. */
  #temporary: Record<string, unknown> | null = null;

  constructor(
    readonly id: string,
    readonly connected: boolean,
    url: URL,
    readonly connectParams: Readonly<Record<string, unknown>>,
    flash: Flash,
  ) {
    super({ flash, streams: NO_STREAMS });
    this.#href = url.href;
  }

  get url(): URL {
    return (this.#url ??= new URL(this.#href));
  }

  set url(url: URL) {
    this.#url = url;
    this.#href = url.href;
  }

  /** The page's URL as text, without parsing it (telemetry, child view tokens). */
  get href(): string {
    return this.#href;
  }

  get assigns(): Readonly<A & BuiltinAssigns> {
    return this.current as A & BuiltinAssigns;
  }

  pushEvent(event: string, payload: unknown = {}, opts?: { beforePatch?: boolean }): this {
    if (typeof event !== "string" || event === "")
      throw new TypeError("pushEvent: the event must be a non-empty string");
    const ev: PushEvent = opts?.beforePatch === true ? [event, payload, true] : [event, payload];
    if (this.events === NO_EVENTS) this.events = [ev];
    else (this.events as PushEvent[]).push(ev);
    return this;
  }

  pushPatch(to: string, opts?: { replace?: boolean }): this {
    this.navigation = { kind: "patch", to: localPath(to, "pushPatch"), replace: opts?.replace === true };
    return this;
  }

  pushNavigate(to: string, opts?: { replace?: boolean }): this {
    this.navigation = {
      kind: "navigate",
      to: localPath(to, "pushNavigate"),
      replace: opts?.replace === true,
    };
    return this;
  }

  redirect(to: string | { external: string }): this {
    if (typeof to === "object" && to !== null && typeof to.external === "string") {
      const url = new URL(to.external); // throws on anything that is not an absolute URL
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new TypeError(`redirect: only http(s) URLs may be external targets, got ${url.protocol}`);
      }
      this.navigation = { kind: "redirect", to: url.href, external: true };
    } else {
      this.navigation = { kind: "redirect", to: localPath(to as string, "redirect"), external: false };
    }
    return this;
  }

  putFlash(kind: string, message: string): this {
    this.setAssign("flash", { ...(this.current.flash as Flash), [kind]: message });
    return this;
  }

  clearFlash(kind?: string): this {
    const flash = this.current.flash as Flash;
    if (kind === undefined) {
      if (Object.keys(flash).length > 0) this.setAssign("flash", NO_FLASH);
    } else if (Object.hasOwn(flash, kind)) {
      const { [kind]: _, ...rest } = flash;
      this.setAssign("flash", rest);
    }
    return this;
  }

  assignAsync(keys: unknown, fn: (signal: AbortSignal) => unknown): this {
    assignAsync(this, keys, fn);
    return this;
  }

  startAsync(name: string, fn: (signal: AbortSignal) => unknown): this {
    startAsync(this, name, fn);
    return this;
  }

  cancelAsync(nameOrKeys: string | readonly string[], reason: unknown = "cancel"): this {
    cancelAsync(this, nameOrKeys, reason);
    return this;
  }

  setTemporaryAssigns(defaults: Partial<A>): this {
    if (typeof defaults !== "object" || defaults === null || Array.isArray(defaults))
      throw new TypeError("temporary assigns: expected an object of assign names and their reset values");
    const temporary: Record<string, unknown> = { ...this.#temporary };
    for (const key of Object.keys(defaults)) {
      temporary[key] = (defaults as Record<string, unknown>)[key];
      // A temporary assign always has a value: its default until a callback assigns one.
      if (!Object.hasOwn(this.current, key)) this.setAssign(key, temporary[key]);
    }
    this.#temporary = temporary;
    return this;
  }

  get pageTitle(): string | undefined {
    return this.#title;
  }

  set pageTitle(title: string | undefined) {
    if (title !== undefined && typeof title !== "string") throw new TypeError("pageTitle must be a string");
    if (title === this.#title) return;
    this.#title = title;
    this.titleChanged = true;
  }

  /** The uploads of the view and of its components, once one was allowed (empty before). */
  uploadOwners: readonly UploadOwner[] = NO_UPLOAD_OWNERS;

  protected ownUploads(uploads: ViewUploads<LiveViewSocket<A>>): void {
    this.addUploadOwner({ uploads, socket: this, cid: null });
  }

  /** Registers the uploads of the view or of a component (see {@link UploadOwner}). */
  addUploadOwner(owner: UploadOwner): void {
    this.uploadOwners = [...this.uploadOwners, owner];
  }

  /** Drops the uploads of the component `cid` (it left the page), ending their transfers. */
  dropUploadOwner(cid: number): void {
    const owner = this.uploadOwners.find((o) => o.cid === cid);
    if (owner === undefined) return;
    owner.uploads.releaseAll();
    this.uploadOwners = this.uploadOwners.filter((o) => o !== owner);
  }

  /** Forgets what was sent: called after each render. */
  clearChanges(): void {
    const temporary = this.#temporary;
    if (temporary !== null) {
      // Back to their defaults without a change mark: the next render sends nothing for them unless
      // a callback assigns them again.
      let assigns = this.current;
      for (const key in temporary)
        if (!Object.is(assigns[key], temporary[key])) assigns = { ...assigns, [key]: temporary[key] };
      if (assigns !== this.current) this.replaceAssigns(assigns);
    }
    // Sent streams keep only their configuration; a fresh object (not a change) so no render reuses the
    // one that carried the items.
    this.pruneStreams();
    this.changed.clear();
    this.titleChanged = false;
    this.events = NO_EVENTS;
  }
}
