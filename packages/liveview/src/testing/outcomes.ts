// What a push can end in besides a render: a redirect, or an error reply. Thrown or returned by the
// harness (live.ts, live_view_test.ts), exported from `@cinder/liveview/testing` for tests to match on.

/** Thrown by {@link live} when the dead render redirects instead of rendering. */
export class RedirectError extends Error {
  override name = "RedirectError";
  constructor(
    /** Where the view sent the browser. */
    readonly to: string,
  ) {
    super(`the page redirected to ${to}`);
  }
}

/** Thrown when the server answers a push with an error (e.g. the join was refused). */
export class ReplyError extends Error {
  override name = "ReplyError";
  constructor(
    readonly response: unknown,
    message: string,
  ) {
    super(message);
  }
}

/** Where a view sent the client: a full page load (`redirect`) or a live navigation (`live_redirect`). */
export interface Redirect {
  readonly type: "redirect" | "live_redirect";
  readonly to: string;
  /** For a live navigation: whether it pushes a history entry or replaces the current one. */
  readonly kind?: "push" | "replace";
  /** The flash token the client would hand on, if any. */
  readonly flash?: string;
}
