import { Down, demonitor, monitor, type Pid, type Ref, send } from "@cinder/actors";
import { nanoid } from "nanoid";
import type { Signer } from "../token.js";
import {
  buildConfig,
  dropEntries,
  putEntries,
  putError,
  type UploadConfig,
  type UploadEntry,
  type UploadError,
  updateEntry,
} from "../upload/upload_config.js";
import {
  UploadAccept,
  UploadDone,
  UploadFailed,
  UploadJoin,
  UploadRefuse,
  UploadRelease,
} from "../upload/upload_messages.js";
import type { UploadOptions } from "../upload/upload_options.js";
import { signUploadToken } from "../upload/upload_token.js";
import { fileWriter, type UploadWriter } from "../upload/upload_writer.js";

/** An entry's transfer: its upload process (channel uploads) and what consuming it hands over. */
interface Transfer {
  pid: Pid | null;
  monitor: Ref | null;
  /** The writer's `close` result, or the external uploader's meta. */
  meta: unknown;
}

/** Phoenix's names for upload errors in preflight replies (the client only logs them). */
const WIRE_ERROR: Record<UploadError, string> = {
  tooLarge: "too_large",
  tooMany: "too_many_files",
  notAccepted: "not_accepted",
  failed: "failed",
};

/**
 * The uploads of a view or of one of its live components, with the socket their callbacks get (`cid` null
 * for the view's own).
 */
export interface UploadOwner {
  readonly uploads: ViewUploads<any>;
  readonly socket: unknown;
  readonly cid: number | null;
}

/** The owner of the upload `uploadRef` among `owners`. */
export function ownerOf(owners: readonly UploadOwner[], uploadRef: unknown): UploadOwner | undefined {
  for (const o of owners) if (o.uploads.owns(uploadRef)) return o;
  return undefined;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** What consume callbacks may return to keep an entry for later (as Phoenix's `{:postpone, value}`). */
export class Postpone<R> {
  constructor(readonly value: R) {}
}

/**
 * A view's uploads: the configs it renders (`assigns.uploads`, replaced on each change), the callbacks
 * given to `allowUpload`, and the transfers behind the entries. Made on the first `allowUpload`.
 *
 * @typeParam S the view's socket, handed to the callbacks.
 */
export class ViewUploads<S> {
  /** Binds upload tokens to this view process: a token from another mount of the view is refused. */
  readonly nonce = nanoid();
  configs: Readonly<Record<string, UploadConfig>> = Object.freeze({});
  readonly #options = new Map<string, UploadOptions<S>>();
  /** Upload ref -> name. */
  readonly #names = new Map<string, string>();
  /** Entry ref -> its transfer. */
  readonly #transfers = new Map<string, Transfer>();
  readonly #publish: (configs: Readonly<Record<string, UploadConfig>>) => void;

  constructor(publish: (configs: Readonly<Record<string, UploadConfig>>) => void) {
    this.#publish = publish;
  }

  #set(conf: UploadConfig): void {
    this.configs = Object.freeze({ ...this.configs, [conf.name]: conf });
    this.#publish(this.configs);
  }

  #conf(name: string, where: string): UploadConfig {
    const conf = Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
    if (conf === undefined)
      throw new Error(`${where}: no upload named ${JSON.stringify(name)} (allowUpload it first)`);
    return conf;
  }

  allow(name: string, opts: UploadOptions<S>): void {
    if (typeof name !== "string" || !NAME.test(name))
      throw new TypeError(`allowUpload: the name must match ${NAME}, got ${JSON.stringify(name)}`);
    if (typeof opts !== "object" || opts === null)
      throw new TypeError(`allowUpload(${JSON.stringify(name)}): expected options`);
    for (const cb of ["progress", "writer", "external"] as const)
      if (opts[cb] !== undefined && typeof opts[cb] !== "function")
        throw new TypeError(`allowUpload(${JSON.stringify(name)}): ${cb} must be a function`);
    if (opts.writer !== undefined && opts.external !== undefined)
      throw new TypeError(`allowUpload(${JSON.stringify(name)}): writer and external exclude each other`);
    const old = Object.hasOwn(this.configs, name) ? this.configs[name] : undefined;
    if (old !== undefined && old.entries.length > 0)
      throw new Error(
        `allowUpload(${JSON.stringify(name)}): the upload has entries; cancel or consume them before allowing it again`,
      );
    const conf = buildConfig(name, `phx-${nanoid()}`, opts, opts.external !== undefined);
    if (old !== undefined) this.#names.delete(old.ref);
    this.#names.set(conf.ref, name);
    this.#options.set(name, opts);
    this.#set(conf);
  }

  cancel(name: string, ref: string): void {
    const conf = this.#conf(name, "cancelUpload");
    // An unknown ref is a client's stale click (the entry was consumed meanwhile): nothing to do.
    if (!conf.entries.some((e) => e.ref === ref)) return;
    this.#release(ref, "cancelled");
    this.#set(dropEntries(conf, new Set([ref])));
  }

  uploaded(name: string): { completed: UploadEntry[]; inProgress: UploadEntry[] } {
    const conf = this.#conf(name, "uploadedEntries");
    return {
      completed: conf.entries.filter((e) => e.done),
      inProgress: conf.entries.filter((e) => !e.done),
    };
  }

  /**
   * Hands each completed entry of `name` to `fn` with its meta (`{ path }` for the default writer), then
   * releases it (the temp file is deleted) and removes it, unless `fn` returned a {@link Postpone}. Entries
   * still in progress or in error are left as they are.
   */
  async consume<R>(name: string, fn: (meta: any, entry: UploadEntry) => R | Promise<R>): Promise<R[]> {
    if (typeof fn !== "function") throw new TypeError("consumeUploadedEntries: expected a callback");
    const conf = this.#conf(name, "consumeUploadedEntries");
    return this.#consume(
      conf,
      conf.entries.filter((e) => e.done),
      fn,
    );
  }

  async consumeOne<R>(entry: UploadEntry, fn: (meta: any) => R | Promise<R>): Promise<R> {
    if (typeof fn !== "function") throw new TypeError("consumeUploadedEntry: expected a callback");
    const conf = this.#conf(entry?.uploadName, "consumeUploadedEntry");
    const current = conf.entries.find((e) => e.ref === entry.ref);
    if (current === undefined || !current.done)
      throw new Error(`consumeUploadedEntry: entry ${JSON.stringify(entry.ref)} is not a completed entry`);
    const [r] = await this.#consume(conf, [current], (meta) => fn(meta));
    return r as R;
  }

  async #consume<R>(
    conf: UploadConfig,
    done: readonly UploadEntry[],
    fn: (meta: any, entry: UploadEntry) => R | Promise<R>,
  ): Promise<R[]> {
    const results: R[] = [];
    const consumed = new Set<string>();
    for (const entry of done) {
      const r = await fn(this.#transfers.get(entry.ref)?.meta, entry);
      if (r instanceof Postpone) {
        results.push(r.value as R);
      } else {
        results.push(r);
        consumed.add(entry.ref);
        this.#release(entry.ref, "consumed");
      }
    }
    if (consumed.size > 0) this.#set(dropEntries(this.#conf(conf.name, "consume"), consumed));
    return results;
  }

  /** Ends every transfer (its owner, a component, left the page): their processes dispose of the writers. */
  releaseAll(): void {
    for (const ref of [...this.#transfers.keys()]) this.#release(ref, "cancelled");
  }

  /** Ends an entry's transfer: its process disposes of the writer and stops. */
  #release(ref: string, reason: UploadRelease["reason"]): void {
    const t = this.#transfers.get(ref);
    if (t === undefined) return;
    this.#transfers.delete(ref);
    if (t.monitor !== null) demonitor(t.monitor, { flush: true });
    if (t.pid !== null) send(t.pid, new UploadRelease(reason));
  }

  /** Whether `uploadRef` is one of these uploads. */
  owns(uploadRef: unknown): boolean {
    return typeof uploadRef === "string" && this.#names.has(uploadRef);
  }

  #byRef(uploadRef: unknown): UploadConfig | undefined {
    const name = typeof uploadRef === "string" ? this.#names.get(uploadRef) : undefined;
    return name === undefined ? undefined : this.configs[name];
  }

  /** The files of a form change (`uploads: {ref: [entries]}`); a message for the client's budget if malformed. */
  putFromForm(uploads: unknown): string | null {
    if (typeof uploads !== "object" || uploads === null || Array.isArray(uploads))
      return "uploads must be an object";
    for (const [ref, entries] of Object.entries(uploads)) {
      const conf = this.#byRef(ref);
      if (conf === undefined || !Array.isArray(entries))
        return `files for an unknown upload ${JSON.stringify(ref).slice(0, 80)}`;
      this.#set(putEntries(conf, entries.slice(0, conf.maxEntries + 100)));
    }
    return null;
  }

  /**
   * Answers an `allow_upload` (the client's preflight): records the files, and for each valid one not yet
   * preflighted returns a signed token for its upload channel (or, for external uploads, the `external`
   * callback's meta). With errors, answers them instead, as Phoenix does (the client then cancels).
   */
  async preflight(
    payload: Record<string, unknown>,
    socket: S,
    signer: Signer,
    topic: string,
  ): Promise<Record<string, unknown> | string> {
    const conf0 = this.#byRef(payload.ref);
    if (conf0 === undefined || !Array.isArray(payload.entries)) return "allow_upload for an unknown upload";
    const refs = new Set(
      payload.entries.map((e) => (typeof e === "object" && e !== null ? (e as { ref?: unknown }).ref : null)),
    );
    let conf = putEntries(conf0, payload.entries.slice(0, conf0.maxEntries + 100));
    this.#set(conf);
    if (conf.errors.length > 0)
      return { ref: conf.ref, error: conf.errors.map((e) => [e.ref, WIRE_ERROR[e.error]]) };
    const fresh = conf.entries.filter((e, i) => refs.has(e.ref) && i < conf.maxEntries && !e.preflighted);
    for (const e of fresh) conf = updateEntry(conf, e.ref, (x) => ({ ...x, preflighted: true }));
    this.#set(conf);
    const entries: Record<string, unknown> = {};
    const external = this.#options.get(conf.name)?.external;
    for (const e of fresh) {
      if (external !== undefined) {
        const meta = await external(e, socket);
        if (
          typeof meta !== "object" ||
          meta === null ||
          typeof meta.uploader !== "string" ||
          meta.uploader === ""
        )
          throw new TypeError(
            `allowUpload(${JSON.stringify(conf.name)}): external must return { uploader: string, ... }`,
          );
        this.#transfers.set(e.ref, { pid: null, monitor: null, meta });
        entries[e.ref] = meta;
      } else {
        entries[e.ref] = signUploadToken(signer, {
          t: topic,
          n: this.nonce,
          u: conf.ref,
          e: e.ref,
          s: e.clientSize,
          c: conf.chunkSize,
        });
      }
    }
    return {
      ref: conf.ref,
      config: {
        max_file_size: conf.maxFileSize,
        max_entries: conf.maxEntries,
        chunk_size: conf.chunkSize,
        chunk_timeout: conf.chunkTimeout,
      },
      entries,
      errors: {},
    };
  }

  /**
   * A `progress` report of the client. It moves the bar; it never completes a channel upload (only its
   * process, holding every byte, does), but it does complete an external one (the server cannot know).
   * Runs the `progress` callback. Returns a message for the client's budget if malformed.
   */
  async progress(payload: Record<string, unknown>, socket: S): Promise<string | null> {
    const conf = this.#byRef(payload.ref);
    const ref = payload.entry_ref;
    const entry = conf?.entries.find((e) => e.ref === ref);
    // A report for an entry that is gone (cancelled, consumed) is a race, not a fault.
    if (conf === undefined || entry === undefined)
      return conf === undefined ? "progress for an unknown upload" : null;
    const p = payload.progress;
    let next = conf;
    if (typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= 100) {
      const done = conf.external ? p === 100 : entry.done;
      const progress = Math.max(entry.progress, conf.external || entry.done ? p : Math.min(p, 99));
      next = updateEntry(conf, entry.ref, (e) => ({ ...e, progress, done }));
    } else if (typeof p === "object" && p !== null && typeof (p as { error?: unknown }).error === "string") {
      if (entry.valid) next = putError(conf, entry.ref, "failed");
      this.#release(entry.ref, "failed");
    } else {
      return "malformed progress";
    }
    this.#set(next);
    const cb = this.#options.get(conf.name)?.progress;
    const updated = next.entries.find((e) => e.ref === entry.ref);
    if (cb !== undefined && updated !== undefined) await cb(conf.name, updated, socket);
    return null;
  }

  /** Handles what upload processes send the view; false for any other message. */
  handle(msg: unknown, socket: S): boolean {
    if (msg instanceof UploadJoin) {
      this.#join(msg, socket);
      return true;
    }
    if (msg instanceof UploadDone) {
      const t = this.#transfers.get(msg.entryRef);
      const conf = this.#ofEntry(msg.entryRef);
      if (t === undefined || conf === undefined) return true;
      t.meta = msg.meta;
      this.#set(updateEntry(conf, msg.entryRef, (e) => ({ ...e, done: true })));
      return true;
    }
    if (msg instanceof UploadFailed) {
      this.#fail(msg.entryRef, msg.error);
      return true;
    }
    if (msg instanceof Down) {
      for (const [ref, t] of this.#transfers) {
        if (t.monitor !== msg.ref) continue;
        this.#transfers.delete(ref);
        this.#fail(ref, "failed");
        return true;
      }
    }
    return false;
  }

  #ofEntry(ref: string): UploadConfig | undefined {
    for (const conf of Object.values(this.configs)) if (conf.entries.some((e) => e.ref === ref)) return conf;
    return undefined;
  }

  #fail(ref: string, error: UploadError): void {
    const conf = this.#ofEntry(ref);
    const entry = conf?.entries.find((e) => e.ref === ref);
    if (conf === undefined || entry === undefined || !entry.valid) return;
    this.#release(ref, "failed");
    this.#set(
      putError(
        updateEntry(conf, ref, (e) => ({ ...e, done: false })),
        ref,
        error,
      ),
    );
  }

  #join(msg: UploadJoin, socket: S): void {
    const name = this.#names.get(msg.uploadRef);
    const conf = name === undefined ? undefined : this.configs[name];
    const entry = conf?.entries.find((e) => e.ref === msg.entryRef);
    if (
      msg.nonce !== this.nonce ||
      conf === undefined ||
      conf.external ||
      entry === undefined ||
      !entry.preflighted ||
      !entry.valid ||
      entry.done ||
      this.#transfers.has(entry.ref)
    ) {
      send(msg.pid, new UploadRefuse("invalid_token"));
      return;
    }
    const make = this.#options.get(conf.name)?.writer;
    const writer: UploadWriter = make === undefined ? fileWriter() : make(conf.name, entry, socket);
    if (typeof writer?.write !== "function" || typeof writer.close !== "function")
      throw new TypeError(
        `allowUpload(${JSON.stringify(conf.name)}): writer must return { write, close, dispose? }`,
      );
    this.#transfers.set(entry.ref, { pid: msg.pid, monitor: monitor(msg.pid), meta: undefined });
    send(msg.pid, new UploadAccept(writer, conf.chunkTimeout));
  }
}
