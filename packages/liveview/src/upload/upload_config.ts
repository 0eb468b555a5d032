/**
 * Why an upload entry (or a whole upload, for `tooMany`) cannot go on: `tooLarge` (its declared size is over
 * `maxFileSize`, or the client sent more bytes than it declared), `tooMany` (more files than `maxEntries`),
 * `notAccepted` (its name and type match nothing in `accept`), `failed` (the transfer broke: a chunk timeout,
 * a closed channel, a writer that threw, an external uploader that reported an error).
 */
export type UploadError = "tooLarge" | "tooMany" | "notAccepted" | "failed";

/** One file the client picked, as the view sees it in `uploads[name].entries`. */
export interface UploadEntry {
  /** The client's ref for this file; `cancelUpload(name, ref)` takes it. */
  readonly ref: string;
  /** The ref of the upload it belongs to ({@link UploadConfig.ref}). */
  readonly uploadRef: string;
  /** The name given to `allowUpload`. */
  readonly uploadName: string;
  /** The file's name as the browser reported it: untrusted, never a path to write to. */
  readonly clientName: string;
  /** The size the browser declared, in bytes. The server cuts a channel upload off past it. */
  readonly clientSize: number;
  /** The MIME type the browser guessed from the name: untrusted. */
  readonly clientType: string;
  readonly clientLastModified: number | null;
  readonly clientRelativePath: string;
  /** 0 to 100, as the client reported it (it never reaches 100 before the server has every byte). */
  readonly progress: number;
  /** Whether the server answered its preflight (`allow_upload`). */
  readonly preflighted: boolean;
  /** All bytes are on the server (channel uploads) or the external uploader reported 100 %. */
  readonly done: boolean;
  /** False when the entry has an error (see `uploadErrors`). */
  readonly valid: boolean;
}

/** An error of an upload: on one entry (`ref` is the entry's) or on the whole upload (`ref` is its own). */
export interface UploadErrorItem {
  readonly ref: string;
  readonly error: UploadError;
}

/** What `socket.allowUpload(name, ...)` puts in `assigns.uploads[name]`: render it with `liveFileInput`. */
export interface UploadConfig {
  readonly name: string;
  /** The upload's ref: the id of its file input (use it as `phx-drop-target`). */
  readonly ref: string;
  /** Accepted extensions (`.png`) and MIME types (`image/png`, `image/*`), or `"any"`. */
  readonly accept: readonly string[] | "any";
  readonly maxEntries: number;
  readonly maxFileSize: number;
  readonly chunkSize: number;
  readonly chunkTimeout: number;
  readonly autoUpload: boolean;
  /** Whether files go straight from the browser to storage (the `external` option). */
  readonly external: boolean;
  readonly entries: readonly UploadEntry[];
  readonly errors: readonly UploadErrorItem[];
}

/** Phoenix's defaults. */
export const UPLOAD_DEFAULTS = Object.freeze({
  maxEntries: 1,
  maxFileSize: 8_000_000,
  chunkSize: 64_000,
  chunkTimeout: 10_000,
});

/**
 * The largest chunk size an upload may ask for: a chunk arrives as one websocket frame, and the endpoint's
 * default `maxPayload` is 1 MiB (a larger frame closes the socket).
 */
export const MAX_CHUNK_SIZE = 1_000_000;

/** The settings `allowUpload` validates into an {@link UploadConfig} (callbacks are kept apart). */
export interface UploadSettings {
  accept: readonly string[] | "any";
  maxEntries?: number;
  maxFileSize?: number;
  chunkSize?: number;
  chunkTimeout?: number;
  autoUpload?: boolean;
}

const EXTENSION = /^\.[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;
const MIME = /^[a-z0-9][a-z0-9.+-]{0,63}\/(?:\*|[a-z0-9][a-z0-9.+-]{0,127})$/;

/** A new upload named `name` with `ref`; throws a TypeError naming `allowUpload` for bad settings. */
export function buildConfig(name: string, ref: string, s: UploadSettings, external: boolean): UploadConfig {
  const bad = (why: string) => new TypeError(`allowUpload(${JSON.stringify(name)}): ${why}`);
  if (s.accept !== "any") {
    if (!Array.isArray(s.accept) || s.accept.length === 0)
      throw bad(
        'accept must be "any" or a non-empty array of extensions (".png") and MIME types ("image/*")',
      );
    for (const a of s.accept)
      if (typeof a !== "string" || !(EXTENSION.test(a) || MIME.test(a)))
        throw bad(
          `accept: ${JSON.stringify(a)} is neither an extension (".png") nor a MIME type ("image/png")`,
        );
  }
  const int = (key: keyof typeof UPLOAD_DEFAULTS, max: number): number => {
    const v = s[key] ?? UPLOAD_DEFAULTS[key];
    if (!Number.isSafeInteger(v) || v < 1 || v > max) throw bad(`${key} must be an integer from 1 to ${max}`);
    return v;
  };
  if (s.autoUpload !== undefined && typeof s.autoUpload !== "boolean")
    throw bad("autoUpload must be a boolean");
  return Object.freeze({
    name,
    ref,
    accept: s.accept === "any" ? "any" : Object.freeze(s.accept.map((a) => a.toLowerCase())),
    maxEntries: int("maxEntries", 1000),
    maxFileSize: int("maxFileSize", Number.MAX_SAFE_INTEGER),
    chunkSize: int("chunkSize", MAX_CHUNK_SIZE),
    chunkTimeout: int("chunkTimeout", 3_600_000),
    autoUpload: s.autoUpload === true,
    external,
    entries: Object.freeze([]),
    errors: Object.freeze([]),
  });
}

/** Whether a file named `name` of type `type` matches `accept`: by extension, exact type or `type/*`. */
export function accepts(accept: UploadConfig["accept"], name: string, type: string): boolean {
  if (accept === "any") return true;
  const lower = name.toLowerCase();
  const mime = type.toLowerCase();
  return accept.some((a) =>
    a.startsWith(".") ? lower.endsWith(a) : a.endsWith("/*") ? mime.startsWith(a.slice(0, -1)) : mime === a,
  );
}

/** Caps on what a client may declare about one file: longer strings are not from a browser's file picker. */
const MAX_REF = 64;
const MAX_NAME = 1024;
const MAX_TYPE = 255;

/** A file as the client declared it in a form change or a preflight, checked and cut to size; null if malformed. */
export function clientEntry(raw: unknown): Omit<UploadEntry, "uploadRef" | "uploadName"> | null {
  if (typeof raw !== "object" || raw === null) return null;
  const e = raw as Record<string, unknown>;
  const str = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");
  if (typeof e.ref !== "string" || e.ref === "" || e.ref.length > MAX_REF) return null;
  if (typeof e.size !== "number" || !Number.isSafeInteger(e.size) || e.size < 0) return null;
  return {
    ref: e.ref,
    clientName: str(e.name, MAX_NAME),
    clientSize: e.size,
    clientType: str(e.type, MAX_TYPE),
    clientLastModified:
      typeof e.last_modified === "number" && Number.isFinite(e.last_modified) ? e.last_modified : null,
    clientRelativePath: str(e.relative_path, MAX_NAME),
    progress: 0,
    preflighted: false,
    done: false,
    valid: true,
  };
}

/**
 * `conf` with the client's new files added and checked (as Phoenix's `put_entries`): refs it already has are
 * skipped; with `maxEntries` 1 a new file replaces one not yet preflighted; each file is checked against
 * `maxFileSize` and `accept`; more files than `maxEntries` puts `tooMany` on the upload.
 */
export function putEntries(conf: UploadConfig, raw: readonly unknown[]): UploadConfig {
  let entries = conf.entries;
  let errors = conf.errors.filter((e) => e.ref !== conf.ref);
  const fresh: UploadEntry[] = [];
  for (const r of raw) {
    const c = clientEntry(r);
    if (c === null || entries.some((e) => e.ref === c.ref) || fresh.some((e) => e.ref === c.ref)) continue;
    fresh.push({ ...c, uploadRef: conf.ref, uploadName: conf.name });
  }
  if (fresh.length === 0 && errors.length === conf.errors.length) return conf;
  if (conf.maxEntries === 1 && fresh.length === 1 && entries.length === 1 && !entries[0]!.preflighted) {
    const old = entries[0]!.ref;
    entries = [];
    errors = errors.filter((e) => e.ref !== old);
  }
  const added: UploadEntry[] = [];
  for (const e of fresh) {
    const errs: UploadError[] = [];
    if (e.clientSize > conf.maxFileSize) errs.push("tooLarge");
    if (!accepts(conf.accept, e.clientName, e.clientType)) errs.push("notAccepted");
    for (const error of errs) errors = [...errors, { ref: e.ref, error }];
    added.push(Object.freeze(errs.length > 0 ? { ...e, valid: false } : e));
  }
  entries = [...entries, ...added];
  if (entries.length > conf.maxEntries) errors = [...errors, { ref: conf.ref, error: "tooMany" as const }];
  return Object.freeze({ ...conf, entries: Object.freeze(entries), errors: Object.freeze(errors) });
}

/** `conf` with the entry `ref` changed by `fn` (unchanged when it has no such entry). */
export function updateEntry(
  conf: UploadConfig,
  ref: string,
  fn: (e: UploadEntry) => UploadEntry,
): UploadConfig {
  const i = conf.entries.findIndex((e) => e.ref === ref);
  if (i < 0) return conf;
  const entries = conf.entries.slice();
  entries[i] = Object.freeze(fn(entries[i]!));
  return Object.freeze({ ...conf, entries: Object.freeze(entries) });
}

/** `conf` with `error` put on the entry `ref` (which becomes invalid). */
export function putError(conf: UploadConfig, ref: string, error: UploadError): UploadConfig {
  if (conf.errors.some((e) => e.ref === ref && e.error === error)) return conf;
  const next = updateEntry(conf, ref, (e) => ({ ...e, valid: false }));
  return Object.freeze({ ...next, errors: Object.freeze([...next.errors, { ref, error }]) });
}

/** `conf` without the entries `refs` and their errors; `tooMany` goes once few enough entries are left. */
export function dropEntries(conf: UploadConfig, refs: ReadonlySet<string>): UploadConfig {
  const entries = conf.entries.filter((e) => !refs.has(e.ref));
  const errors = conf.errors.filter(
    (e) => !refs.has(e.ref) && (e.ref !== conf.ref || entries.length > conf.maxEntries),
  );
  return Object.freeze({ ...conf, entries: Object.freeze(entries), errors: Object.freeze(errors) });
}

/**
 * The errors to show: of the whole upload (`tooMany`) when `entry` is omitted, else of that entry.
 *
 * ```ts
 * uploadErrors(uploads.avatar).map((e) => html`<p class="error">${e}</p>`)
 * ```
 */
export function uploadErrors(conf: UploadConfig, entry?: UploadEntry): UploadError[] {
  const ref = entry === undefined ? conf.ref : entry.ref;
  return conf.errors.filter((e) => e.ref === ref).map((e) => e.error);
}
