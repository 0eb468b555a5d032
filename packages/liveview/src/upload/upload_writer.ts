import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { nanoid } from "nanoid";
import { uploadDir } from "./upload_dir.js";

/**
 * Where the bytes of one channel upload go. The upload's own process calls it, one chunk at a time, each
 * call awaited before the next chunk is acknowledged, so at most one chunk is ever held in memory. Give
 * one with `allowUpload`'s `writer` option to stream to other storage (S3-like) instead of a temp file.
 *
 * @typeParam M what `close` returns: what `consumeUploadedEntries` hands to its callback.
 */
export interface UploadWriter<M = unknown> {
  /** Stores the next chunk. Throwing fails the entry (`failed`); the client is told `writer_error`. */
  write(chunk: Buffer): void | Promise<void>;
  /** Every byte was written: finish, and return what the view's consume callback gets. */
  close(): M | Promise<M>;
  /**
   * The upload is over: consumed, cancelled, failed (before or after `close`), or its view or socket went
   * away. Free whatever the writer holds (the file writer deletes its temp file). Called exactly once.
   */
  dispose?(reason: "consumed" | "cancelled" | "failed"): void | Promise<void>;
}

/** What the default writer's `close` returns: the temp file, removed once the entry is consumed. */
export interface UploadedFile {
  readonly path: string;
}

/** The default writer: an {@link UploadWriter} whose `path` is its temp file (null before the first byte). */
export interface FileWriter extends UploadWriter<UploadedFile> {
  readonly path: string | null;
}

/**
 * The default writer: a temp file (mode 0600) in this process's upload folder, deleted when the entry is
 * consumed or cancelled, when the upload fails, and when its view, socket or process goes away (a server
 * that died before that is cleaned on its next start).
 */
export function fileWriter(): FileWriter {
  let path: string | null = null;
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  const ensure = async () => {
    if (handle !== null) return handle;
    path = join(await uploadDir(), `upload-${nanoid()}`);
    handle = await open(path, "wx", 0o600);
    return handle;
  };
  return {
    get path() {
      return path;
    },
    async write(chunk) {
      const h = await ensure();
      await h.write(chunk);
    },
    async close() {
      const h = await ensure();
      await h.close();
      handle = null;
      return Object.freeze({ path: path! });
    },
    async dispose() {
      const h = handle;
      handle = null;
      await h?.close().catch(() => {});
      if (path !== null) await rm(path, { force: true });
    },
  };
}
