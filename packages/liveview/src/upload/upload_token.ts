import type { Signer } from "../token.js";

/** The salt of upload tokens: a token made for anything else never opens an upload channel. */
const SALT = "upload";

/** How long after its preflight an upload channel may be joined. */
export const UPLOAD_TOKEN_MAX_AGE_MS = 10 * 60 * 1000;

/**
 * What a preflight signs for each valid entry, and the join of `lvu:<e>` must present: which view
 * (`lv:` topic and its per-process nonce), which upload and entry, and the limits the socket enforces.
 */
export interface UploadToken {
  /** The view's topic (`lv:<id>`): the view must be joined on the same websocket. */
  readonly t: string;
  /** The view process's nonce: a token outlives neither the view process nor a rejoin. */
  readonly n: string;
  /** The upload's ref. */
  readonly u: string;
  /** The entry's ref: the channel's topic is `lvu:<e>`. */
  readonly e: string;
  /** The declared size in bytes: the most the client may send. */
  readonly s: number;
  /** The chunk size. */
  readonly c: number;
}

export function signUploadToken(signer: Signer, token: UploadToken): string {
  return signer.sign(SALT, token);
}

/** The token's data if it is a genuine, fresh upload token for `topic`; null otherwise. */
export function verifyUploadToken(signer: Signer, topic: string, raw: unknown): UploadToken | null {
  const v = signer.verify<UploadToken>(SALT, raw, UPLOAD_TOKEN_MAX_AGE_MS);
  if (!v.ok || typeof v.data !== "object" || v.data === null) return null;
  const d = v.data;
  const ok =
    typeof d.t === "string" &&
    typeof d.n === "string" &&
    typeof d.u === "string" &&
    typeof d.e === "string" &&
    Number.isSafeInteger(d.s) &&
    d.s >= 0 &&
    Number.isSafeInteger(d.c) &&
    d.c > 0 &&
    topic === `lvu:${d.e}`;
  return ok ? d : null;
}
