/**
 * Helpers for the fault, fuzz and soak tests: waiting for a condition, and `LiveClient`, a live view driven by
 * the official channel client (`Phoenix.Socket` from the pinned `phoenix` package, `ws` as its transport) with
 * the official `rendered.js` merging what arrives, so that a test reads the HTML a browser would show. The
 * official client's automatic reconnect and rejoin are the point: a test can crash a view or drop a socket
 * and watch the client come back by itself.
 */
import { Socket } from "phoenix";
import WebSocket from "ws";
import { ClientView } from "../../packages/liveview/test/support/client.js";
import { fetchPage, type Page } from "./liveview.js";

/**
 * Polls `cond` until it is truthy (returns it), or throws `what` after `timeoutMs`. The default deadline is
 * generous, for a loaded machine: a test waits only as long as its condition takes.
 */
export async function waitFor<T>(
  what: string,
  cond: () => T | Promise<T>,
  { timeoutMs = 30_000, everyMs = 10 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options for {@link LiveClient.open}. */
export interface LiveClientOptions {
  /** The page's path (default "/"). */
  path?: string;
  /** Connect params (`socket.connectParams` in the view). */
  params?: Record<string, unknown>;
  /** Phoenix.Socket's `rejoinAfterMs` (default: the client's own, 1 s then 2 s then 5 s). */
  rejoinAfterMs?: (tries: number) => number;
  /** Phoenix.Socket's `reconnectAfterMs` (default: the client's own, 10 ms rising to 5 s). */
  reconnectAfterMs?: (tries: number) => number;
  /** Called with the HTML after the join and after every update. */
  onHtml?: (html: string) => void;
}

/** One browser tab's live view, as the official client runs it, minus the DOM. */
export class LiveClient {
  /** Successful joins (the first, and every rejoin after a crash or a reconnect). */
  joins = 0;
  /** `phx_error`s and socket errors the channel saw. */
  errors = 0;
  /** Refused joins, with their reasons. */
  readonly refusals: unknown[] = [];
  /** Diff pushes received. */
  diffs = 0;
  /** Called with the HTML after the join and after every update (from the options; may be replaced). */
  onHtml: ((html: string) => void) | undefined;
  #view: ClientView | null = null;

  private constructor(
    readonly page: Page,
    readonly socket: Socket,
    readonly channel: ReturnType<Socket["channel"]>,
    opts: LiveClientOptions,
  ) {
    this.onHtml = opts.onHtml;
  }

  /** Fetches the page (the dead render), connects its websocket, joins its view; resolves once joined. */
  static async open(base: string, opts: LiveClientOptions = {}): Promise<LiveClient> {
    const path = opts.path ?? "/";
    const page = await fetchPage(base, path);
    if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}`);
    const { cookie } = page;
    class BrowserLikeWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie, origin: base } });
        // A refused handshake (503 while the endpoint restarts) is an error event, which the client handles.
        this.on("error", () => {});
      }
    }
    const socket = new Socket(`${base.replace("http", "ws")}/live`, {
      transport: BrowserLikeWebSocket,
      params: { _csrf_token: page.csrf },
      // Joins and pushes time out after 30 s, not the client's 10 s: a loaded machine can be that slow.
      timeout: 30_000,
      ...(opts.rejoinAfterMs ? { rejoinAfterMs: opts.rejoinAfterMs } : {}),
      ...(opts.reconnectAfterMs ? { reconnectAfterMs: opts.reconnectAfterMs } : {}),
    });
    let mounts = 0;
    // The join payload LiveView's view.js sends; a function, so that each rejoin counts its mounts.
    const channel = socket.channel(`lv:${page.id}`, () => ({
      url: `${base}${path}`,
      params: { _csrf_token: page.csrf, _mounts: mounts++, ...opts.params },
      session: page.session,
      static: page.staticToken,
      sticky: false,
    }));
    const client = new LiveClient(page, socket, channel, opts);
    channel.onError(() => client.errors++);
    channel.on("diff", (diff: unknown) => {
      client.diffs++;
      client.#view?.apply(diff);
      client.#emit();
    });
    const joined = new Promise<void>((resolve, reject) => {
      channel
        .join()
        .receive("ok", (resp: { rendered: unknown }) => {
          client.joins++;
          client.#view = new ClientView(resp.rendered);
          client.#emit();
          resolve();
        })
        .receive("error", (resp: unknown) => {
          client.refusals.push(resp);
          reject(new Error(`join refused: ${JSON.stringify(resp)}`));
        })
        .receive("timeout", () => reject(new Error("join timed out")));
    });
    socket.connect();
    await joined;
    return client;
  }

  #emit(): void {
    this.onHtml?.(this.html());
  }

  /** The HTML the view shows now. */
  html(): string {
    return this.#view?.html() ?? "";
  }

  /** Pushes an event (as `phx-click` does) and resolves with the reply; the reply's diff is merged. */
  push(event: string, value: Record<string, unknown> = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.channel
        .push("event", { type: "click", event, value })
        .receive("ok", (reply: { diff?: unknown }) => {
          if (reply.diff !== undefined) {
            this.#view?.apply(reply.diff);
            this.#emit();
          }
          resolve(reply);
        })
        .receive("error", reject)
        .receive("timeout", () => reject(new Error(`push ${event} timed out`)));
    });
  }

  /** Whether the channel is joined now. */
  get joined(): boolean {
    return this.channel.state === "joined";
  }

  /** Leaves nothing behind on the client: disconnects for good (no reconnect). */
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.disconnect(() => resolve(), 1000, "test done"));
  }
}

/** The deploy demo's status line in a view's HTML ("Ready", "Creating org", ..., "Done!", "Failed: ..."). */
export function demoStatus(html: string): string | null {
  return /Status: <span class="[^"]*">([^<]*)<\/span>/.exec(html)?.[1] ?? null;
}

/** A demo viewer that records every status its page shows, in order. */
export interface Viewer {
  client: LiveClient;
  seen: string[];
}

/** Opens a demo page at `url` and records its statuses (`opts` as for `LiveClient.open`). */
export async function viewer(url: string, opts: Omit<LiveClientOptions, "onHtml"> = {}): Promise<Viewer> {
  const seen: string[] = [];
  const client = await LiveClient.open(url.replace(/\/$/, ""), {
    ...opts,
    onHtml: (h) => {
      const s = demoStatus(h);
      if (s !== null && seen.at(-1) !== s) seen.push(s);
    },
  });
  return { client, seen };
}
