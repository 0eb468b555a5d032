import type { Rendered } from "../render/rendered.js";
import { StreamEntries, type StreamInsert } from "../render/stream_entries.js";

/** Where and how {@link LiveStream} items are inserted. */
export interface StreamInsertOptions {
  /** Where on the page: -1 (default) appends, 0 prepends, n inserts before the n-th child. */
  at?: number;
  /**
   * How many children the page keeps after inserting: a positive limit keeps the first n (trims the end),
   * a negative one the last n (trims the start). The client trims; the server keeps nothing anyway.
   */
  limit?: number;
}

/** Options of `socket.stream`. */
export interface StreamOptions<T> extends StreamInsertOptions {
  /** Removes every item of the stream from the page before inserting these. */
  reset?: boolean;
  /**
   * The DOM id of an item (unique on the page); default `${name}-${item.id}`. Set it the first time the
   * stream is created; it cannot change after.
   */
  domId?: (item: T) => string;
}

/**
 * A stream in a view's assigns (`assigns.streams[name]`): the operations waiting for the next render, not
 * the items. Once a render sent them, only the configuration is kept: a stream of 100,000 rows costs the
 * server the rows of one render, as in Phoenix. Render it inside an element with `phx-update="stream"`
 * and an `id`, each item's root element carrying its DOM id:
 *
 * ```ts
 * html`<ul id="messages" phx-update="stream">${streams.messages.map(
 *   ([domId, msg]) => html`<li id="${domId}">${msg.text}</li>`,
 * )}</ul>`
 * ```
 */
export class LiveStream<T = any> implements Iterable<[domId: string, item: T]> {
  /** @internal */
  constructor(
    /** The stream's name. */
    readonly name: string,
    /** @internal Its reference on the page (the client tags its children with it). */
    readonly ref: string,
    /** The DOM id of an item. */
    readonly domId: (item: T) => string,
    /** @internal Pending inserts, in order, with their items. */
    readonly inserts: readonly (readonly [StreamInsert, T])[] = [],
    /** @internal Pending deletes (DOM ids). */
    readonly deletes: readonly string[] = [],
    /** @internal Whether the next render resets the stream. */
    readonly reset: boolean = false,
  ) {}

  /** The items to insert in this render, as `[domId, item]`. */
  *[Symbol.iterator](): Iterator<[domId: string, item: T]> {
    for (const [insert, item] of this.inserts) yield [insert[0], item];
  }

  /** Renders each item to insert (its template's root element must carry `id="${domId}"`). */
  map(render: (entry: [domId: string, item: T]) => Rendered): StreamEntries<Rendered> {
    const entries = this.inserts.map(([insert, item]) => render([insert[0], item]));
    return new StreamEntries(
      this.ref,
      this.inserts.map(([insert]) => insert),
      this.deletes,
      this.reset,
      entries,
    );
  }

  /** @internal With `items` inserted (after a reset when `reset`). */
  insert(
    items: Iterable<T>,
    opts: StreamInsertOptions & { updateOnly?: boolean },
    reset: boolean,
  ): LiveStream<T> {
    const at = opts.at ?? -1;
    if (!Number.isInteger(at) || at < -1)
      throw new TypeError(
        `stream ${this.name}: at must be -1, 0 or a positive index, got ${String(opts.at)}`,
      );
    const limit = opts.limit ?? null;
    if (limit !== null && !Number.isInteger(limit))
      throw new TypeError(`stream ${this.name}: limit must be an integer, got ${String(opts.limit)}`);
    const updateOnly = opts.updateOnly === true;
    let inserts = reset ? [] : [...this.inserts];
    for (const item of items) {
      const id = this.#idOf(item);
      // One insert per DOM id in a render: the later one wins (the client would apply both to one child).
      inserts = inserts.filter(([ins]) => ins[0] !== id);
      inserts.push([[id, at, limit, updateOnly], item]);
    }
    const deletes = reset ? [] : this.deletes;
    return new LiveStream(this.name, this.ref, this.domId, inserts, deletes, this.reset || reset);
  }

  /** @internal With the item of DOM id `id` deleted. */
  delete(id: string): LiveStream<T> {
    if (typeof id !== "string" || id === "")
      throw new TypeError(`stream ${this.name}: a DOM id must be a non-empty string`);
    const inserts = this.inserts.filter(([ins]) => ins[0] !== id);
    const deletes = this.deletes.includes(id) ? this.deletes : [...this.deletes, id];
    return new LiveStream(this.name, this.ref, this.domId, inserts, deletes, this.reset);
  }

  /** @internal The DOM id of `item`, checked. */
  idOf(item: T): string {
    return this.#idOf(item);
  }

  /** @internal Whether a render has something to send. */
  get pending(): boolean {
    return this.inserts.length > 0 || this.deletes.length > 0 || this.reset;
  }

  /** @internal The stream once its operations were sent: its configuration only. */
  pruned(): LiveStream<T> {
    return new LiveStream(this.name, this.ref, this.domId);
  }

  #idOf(item: T): string {
    const id = this.domId(item);
    if (typeof id !== "string" || id === "")
      throw new TypeError(`stream ${this.name}: domId must give a non-empty string, got ${String(id)}`);
    return id;
  }
}

/** The default DOM id: `${name}-${item.id}`, as Phoenix's. */
export function defaultDomId(name: string): (item: any) => string {
  return (item) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== "string" && typeof id !== "number" && typeof id !== "bigint")
      throw new TypeError(`stream ${name}: the item has no id; give the stream a domId option`);
    return `${name}-${String(id)}`;
  };
}

/**
 * The stream operations of a socket: each one produces a new `streams` object (so the change is seen and
 * rendered) through `set`, numbering the streams in creation order for their client-side references.
 */
export class Streams {
  #count = 0;

  constructor(readonly set: (streams: Readonly<Record<string, LiveStream>>) => void) {}

  stream<T>(
    streams: Readonly<Record<string, LiveStream>> | undefined,
    name: string,
    items: Iterable<T>,
    opts: StreamOptions<T> = {},
  ): void {
    checkName(name);
    if (items === null || typeof (items as Iterable<T>)[Symbol.iterator] !== "function")
      throw new TypeError(`stream ${name}: items must be iterable (an array)`);
    let stream = streams !== undefined && Object.hasOwn(streams, name) ? streams[name] : undefined;
    if (stream === undefined) {
      if (opts.domId !== undefined && typeof opts.domId !== "function")
        throw new TypeError(`stream ${name}: domId must be a function (item) => string`);
      stream = new LiveStream<any>(name, String(this.#count++), opts.domId ?? defaultDomId(name));
    } else if (opts.domId !== undefined && opts.domId !== stream.domId) {
      throw new TypeError(`stream ${name}: domId can only be given when the stream is created`);
    }
    this.set({ ...streams, [name]: stream.insert(items, opts, opts.reset === true) });
  }

  insert<T>(
    streams: Readonly<Record<string, LiveStream>> | undefined,
    name: string,
    item: T,
    opts: StreamInsertOptions & { updateOnly?: boolean } = {},
  ): void {
    const stream = this.#get(streams, name, "streamInsert");
    this.set({ ...streams, [name]: stream.insert([item], opts, false) });
  }

  delete<T>(streams: Readonly<Record<string, LiveStream>> | undefined, name: string, item: T): void {
    const stream = this.#get(streams, name, "streamDelete");
    this.set({ ...streams, [name]: stream.delete(stream.idOf(item)) });
  }

  deleteByDomId(streams: Readonly<Record<string, LiveStream>> | undefined, name: string, id: string): void {
    const stream = this.#get(streams, name, "streamDeleteByDomId");
    this.set({ ...streams, [name]: stream.delete(id) });
  }

  #get(streams: Readonly<Record<string, LiveStream>> | undefined, name: string, op: string): LiveStream {
    checkName(name);
    const stream = streams !== undefined && Object.hasOwn(streams, name) ? streams[name] : undefined;
    if (stream === undefined)
      throw new TypeError(
        `${op}: no stream ${JSON.stringify(name)}; create it first with socket.stream(name, items)`,
      );
    return stream;
  }

  /** `streams` with every stream's sent operations dropped, or null when none had any. */
  static pruned(
    streams: Readonly<Record<string, LiveStream>> | undefined,
  ): Readonly<Record<string, LiveStream>> | null {
    if (streams === undefined) return null;
    let out: Record<string, LiveStream> | null = null;
    for (const name of Object.keys(streams)) {
      if (!streams[name].pending) continue;
      out ??= { ...streams };
      out[name] = streams[name].pruned();
    }
    return out;
  }
}

function checkName(name: string): void {
  if (typeof name !== "string" || name === "" || name === "__proto__")
    throw new TypeError(`stream: the name must be a non-empty string, got ${String(name)}`);
}
