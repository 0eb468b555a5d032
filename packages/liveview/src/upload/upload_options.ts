import type { UploadEntry, UploadSettings } from "./upload_config.js";
import type { UploadWriter } from "./upload_writer.js";

/**
 * What an external uploader needs (`external` option): `uploader` names the client-side uploader (the
 * `uploaders` given to the client), the rest (a presigned URL, form fields) is handed to it as
 * `entry.meta`, and to the consume callback once the client reports 100 %.
 */
export interface ExternalUpload {
  readonly uploader: string;
  readonly [key: string]: unknown;
}

/**
 * `socket.allowUpload(name, options)`: what files are accepted, and how they are received.
 *
 * @typeParam S the view's socket, as callbacks get it.
 */
export interface UploadOptions<S = unknown> extends UploadSettings {
  /**
   * Runs on each progress report of the client (and once an entry is `done`), with the entry as the server
   * sees it: with `autoUpload`, consume entries here.
   */
  progress?: (name: string, entry: UploadEntry, socket: S) => void | Promise<void>;
  /** Where a channel upload's bytes go (default: a temp file, see `UploadedFile`). Called per entry. */
  writer?: (name: string, entry: UploadEntry, socket: S) => UploadWriter;
  /**
   * Direct-to-storage uploads: called per valid entry at preflight; the client uploads with the named
   * uploader, and the server never sees the bytes (nor can it check their size: see the security notes).
   */
  external?: (entry: UploadEntry, socket: S) => ExternalUpload | Promise<ExternalUpload>;
}
