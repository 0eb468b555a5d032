import { html, type Rendered } from "../render/rendered.js";
import type { UploadConfig, UploadEntry } from "./upload_config.js";

const ATTR = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
/** Attributes the official client reads from the input: set from the upload, never from `attrs`. */
const OWN = new Set(["id", "type", "name", "accept", "multiple", "phx-hook", "phx-update"]);

const refs = (entries: readonly UploadEntry[], pick: (e: UploadEntry) => boolean) =>
  entries
    .filter(pick)
    .map((e) => e.ref)
    .join(",");

/**
 * The file input of an upload, as the official client drives it (Phoenix's `live_file_input`): put it in a
 * form with `phx-change` (and `phx-submit` unless `autoUpload`). Its id is `upload.ref`, so a drop zone is
 * `<div phx-drop-target="${upload.ref}">`. `attrs` adds attributes (`class`, `required`, `capture`);
 * `true` renders a bare attribute, `false` none.
 *
 * ```ts
 * html`<form phx-change="validate" phx-submit="save">${liveFileInput(uploads.avatar)}</form>`
 * ```
 */
export function liveFileInput(
  upload: UploadConfig | undefined,
  attrs: Readonly<Record<string, string | boolean>> = {},
): Rendered {
  if (typeof upload !== "object" || upload === null || typeof upload.ref !== "string")
    throw new TypeError(
      "liveFileInput: expected assigns.uploads.<name> (call socket.allowUpload(name, ...) in mount)",
    );
  const extra = Object.entries(attrs).map(([name, value]) => {
    if (!ATTR.test(name) || OWN.has(name.toLowerCase()) || name.toLowerCase().startsWith("data-phx-"))
      throw new TypeError(`liveFileInput: ${JSON.stringify(name)} cannot be set`);
    if (value === false) return "";
    return value === true ? html` ${name}` : html` ${name}="${value}"`;
  });
  const { entries } = upload;
  return html`<input id="${upload.ref}" type="file" name="${upload.name}"${
    upload.accept === "any" ? "" : html` accept="${upload.accept.join(",")}"`
  } data-phx-hook="Phoenix.LiveFileUpload" data-phx-update="ignore" data-phx-upload-ref="${upload.ref}" data-phx-active-refs="${refs(
    entries,
    () => true,
  )}" data-phx-done-refs="${refs(entries, (e) => e.done)}" data-phx-preflighted-refs="${refs(
    entries,
    (e) => e.preflighted,
  )}" data-phx-error-refs="${refs(entries, (e) => !e.valid)}"${upload.autoUpload ? html` data-phx-auto-upload` : ""}${
    upload.maxEntries > 1 ? html` multiple` : ""
  }${extra}>`;
}

/**
 * A preview of an image entry, drawn in the browser from the picked file (Phoenix's `live_img_preview`):
 * the server never sends the bytes back. It needs `blob:` in the policy's `img-src` (the default has it).
 */
export function liveImgPreview(entry: UploadEntry, attrs: Readonly<Record<string, string>> = {}): Rendered {
  const extra = Object.entries(attrs).map(([name, value]) => {
    if (
      !ATTR.test(name) ||
      ["id", "src", "phx-hook", "phx-update"].includes(name.toLowerCase()) ||
      name.toLowerCase().startsWith("data-phx-")
    )
      throw new TypeError(`liveImgPreview: ${JSON.stringify(name)} cannot be set`);
    return html` ${name}="${value}"`;
  });
  return html`<img id="phx-preview-${entry.ref}" data-phx-upload-ref="${entry.uploadRef}" data-phx-entry-ref="${entry.ref}" data-phx-hook="Phoenix.LiveImgPreview" data-phx-update="ignore"${extra}>`;
}
