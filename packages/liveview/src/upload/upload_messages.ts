import type { Pid } from "@cinder/actors";
import type { UploadError } from "./upload_config.js";
import type { UploadWriter } from "./upload_writer.js";

// What a view, the upload processes of its entries and their socket process tell each other.

/** Upload process -> view: a client joined `lvu:<entryRef>` with a valid token; may it upload? */
export class UploadJoin {
  constructor(
    readonly pid: Pid,
    readonly uploadRef: string,
    readonly entryRef: string,
    readonly nonce: string,
  ) {}
}

/** View -> upload process: yes, into this writer. */
export class UploadAccept {
  constructor(
    readonly writer: UploadWriter,
    readonly chunkTimeout: number,
  ) {}
}

/** View -> upload process: no (the entry is unknown, invalid, done, or already being uploaded). */
export class UploadRefuse {
  constructor(readonly reason: string) {}
}

/** Socket -> upload process: the next chunk, to acknowledge as `ref` once written. */
export class UploadChunk {
  constructor(
    readonly ref: string | null,
    readonly bytes: Buffer,
  ) {}
}

/** Socket -> upload process: the client broke the rules (more bytes than declared, ...); stop. */
export class UploadAbort {
  constructor(readonly error: UploadError) {}
}

/** Upload process -> view: every byte is written; `meta` is what the consume callback gets. */
export class UploadDone {
  constructor(
    readonly entryRef: string,
    readonly meta: unknown,
  ) {}
}

/** Upload process -> view: the upload failed. */
export class UploadFailed {
  constructor(
    readonly entryRef: string,
    readonly error: UploadError,
  ) {}
}

/** View -> upload process: the entry is consumed or cancelled (or failed): dispose of the writer and stop. */
export class UploadRelease {
  constructor(readonly reason: "consumed" | "cancelled" | "failed") {}
}
