import type { Endpoint } from "../endpoint.js";
import { encodeParams } from "../params.js";
import type { MemoryConnection } from "../transport/memory_connection.js";
import { ClientTree } from "./client_tree.js";
import { type ComponentTest, componentTest } from "./component_test.js";
import { type Redirect, ReplyError } from "./outcomes.js";

interface Pending {
  resolve(response: any): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** A mounted live view, driven by a test. Every action resolves once the server's reply is applied. */
export class LiveViewTest {
  /** The view's DOM id (`phx-...`). */
  readonly id: string;
  /** Every `pushEvent` the view sent, in order, as `[event, payload]`. */
  readonly events: unknown[][] = [];
  /** Every URL the view patched to (`pushPatch`), in order. */
  readonly patches: string[] = [];
  /** Where the view sent the client, once it did. */
  redirect: Redirect | null = null;
  /** `joined` while live; `closed` after phx_close; `crashed` after phx_error (the view died). */
  status: "joining" | "joined" | "closed" | "crashed" = "joining";

  readonly #conn: MemoryConnection;
  readonly #topic: string;
  readonly #tree = new ClientTree();
  readonly #pending = new Map<string, Pending>();
  readonly #waiters = new Set<() => void>();
  readonly #timeout: number;
  readonly #leaving = new Set<number>();
  #handshake: Promise<void> = Promise.resolve();
  #ref = 0;
  #joinRef = "";
  #url: string;
  /** The page's views joined on this connection besides this one (child views), by topic. */
  readonly #children: Map<string, LiveViewTest>;

  /** @internal Use {@link live}; a child view (`liveChild`) shares its page's connection. */
  constructor(
    endpoint: Endpoint | null,
    id: string,
    url: string,
    timeout: number,
    page?: { conn: MemoryConnection; children: Map<string, LiveViewTest> },
  ) {
    this.id = id;
    this.#topic = `lv:${id}`;
    this.#url = url;
    this.#timeout = timeout;
    this.#children = page?.children ?? new Map();
    this.#conn =
      page?.conn ??
      endpoint!.connectMemory(
        (frame) => this.#onFrame(frame),
        () => {
          this.#settle("closed");
          for (const child of this.#children.values()) child.#settle("closed");
        },
      );
  }

  /**
   * Joins the child live view placed with `liveRender(View, { id })` in this view's current HTML, on the
   * same connection (as the official client does once the parent joined), and returns it to drive.
   */
  async liveChild(id: string): Promise<LiveViewTest> {
    const known = this.#children.get(`lv:${id}`);
    if (known !== undefined && known.status === "joined") return known;
    const m = new RegExp(`<div id="${id.replace(/[^\w-]/g, "")}" data-phx-session="([^"]+)"`).exec(
      this.html(),
    );
    if (m === null) throw new Error(`liveChild: no child view with id ${JSON.stringify(id)} in the HTML`);
    const child = new LiveViewTest(null, id, this.#url, this.#timeout, {
      conn: this.#conn,
      children: this.#children,
    });
    this.#children.set(`lv:${id}`, child);
    await child.join(m[1], null, {});
    return child;
  }

  /** The view's current HTML (inside its container), as the browser would show it. */
  html(): string {
    return this.#tree.html();
  }

  /** The same as {@link html}, under Phoenix.LiveViewTest's name. */
  render(): string {
    return this.html();
  }

  /** The page title, once the server sent one. */
  get title(): string | undefined {
    return this.#tree.title;
  }

  /** Sends `phx-click="<event>"` with `phx-value-*` as `value`; resolves to the HTML after the reply. */
  click(event: string, value: Record<string, unknown> = {}): Promise<string> {
    return this.#event({ type: "click", event, value });
  }

  /**
   * A live component of the page, to send events to (as `phx-target="${myself}"` does) and to read: by
   * the DOM id of its root element (`view.component("cart")` for `<div id="cart">`), or by cid. Throws
   * when the page shows no such component.
   */
  component(target: string | number): ComponentTest {
    return componentTest(this.#tree, target, (payload) => this.#event(payload));
  }

  /** The cids of the components the client holds (freed ones leave once the server confirms). */
  get cids(): number[] {
    return this.#tree.cids();
  }

  /** Sends a key event (`phx-keydown`/`phx-keyup`) with the `key` pressed. */
  key(
    kind: "keydown" | "keyup",
    event: string,
    key: string,
    value: Record<string, unknown> = {},
  ): Promise<string> {
    return this.#event({ type: kind, event, value: { key, ...value } });
  }

  /** Sends `phx-focus`/`phx-blur`. */
  focus(kind: "focus" | "blur", event: string, value: Record<string, unknown> = {}): Promise<string> {
    return this.#event({ type: kind, event, value });
  }

  /** Submits a form (`phx-submit`) with these (nested) values, urlencoded as the client does. */
  submit(event: string, values: Record<string, unknown> = {}): Promise<string> {
    return this.#event({ type: "form", event, value: encodeParams(values), meta: {} });
  }

  /**
   * Sends a form change (`phx-change`); `target` names the input that changed (`"user[email]"`),
   * arriving in `handleEvent` as `_target: ["user", "email"]`.
   */
  change(event: string, values: Record<string, unknown> = {}, target?: string): Promise<string> {
    return this.#event({
      type: "form",
      event,
      value: encodeParams(values),
      meta: { _target: target ?? "undefined" },
    });
  }

  /** A hook's `pushEvent(event, payload)`; resolves to the hook's reply (`{ reply }` from handleEvent). */
  async hook(event: string, payload: unknown = {}): Promise<unknown> {
    const response = await this.#push("event", { type: "hook", event, value: payload });
    return this.#applyReply(response).reply ?? null;
  }

  /** Patches the URL (`<.link patch>` / `live_patch`), running the view's `handleParams`. */
  async patch(path: string): Promise<string> {
    const url = new URL(path, this.#url).href;
    const response = await this.#push("live_patch", { url });
    if (response.link_redirect === true) this.redirect = { type: "live_redirect", to: path };
    else this.#url = url;
    this.#applyReply(response);
    return this.html();
  }

  /**
   * Waits until `predicate(html)` holds (a string: until the HTML contains it), checking now and after
   * every diff: how a test sees a re-render driven by a broadcast or a timer. Rejects after `timeoutMs`.
   */
  waitFor(predicate: ((html: string) => boolean) | string, timeoutMs = this.#timeout): Promise<string> {
    const test = typeof predicate === "string" ? (h: string) => h.includes(predicate) : predicate;
    if (test(this.html())) return Promise.resolve(this.html());
    return new Promise((resolve, reject) => {
      const check = () => {
        if (test(this.html())) {
          done();
          resolve(this.html());
        } else if (this.status === "closed" || this.status === "crashed") {
          done();
          reject(new Error(`the view ${this.status} while waiting; HTML:\n${this.html()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`waitFor: no match within ${timeoutMs} ms; HTML:\n${this.html()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
    });
  }

  /** Leaves the view (`phx_leave`): its process stops and its `terminate` runs. */
  async leave(): Promise<void> {
    await this.#push("phx_leave", {});
    this.#settle("closed");
  }

  /** Closes the connection, as a browser tab closing. */
  close(): void {
    this.#conn.close();
    this.#settle("closed");
  }

  /** @internal Sends the join; resolves once mounted. */
  async join(
    session: string,
    staticToken: string | null,
    connectParams: Record<string, unknown>,
  ): Promise<void> {
    const ref = this.#nextRef();
    this.#joinRef = ref;
    const response = await this.#send(ref, "phx_join", {
      url: this.#url,
      params: { ...connectParams, _mounts: 0, _mount_attempts: 0 },
      session,
      static: staticToken,
    });
    this.#tree.merge(response.rendered);
    this.status = "joined";
    if (response.live_patch !== undefined) this.patches.push(response.live_patch.to);
  }

  async #event(payload: Record<string, unknown>): Promise<string> {
    const response = await this.#push("event", payload);
    this.#applyReply(response);
    await this.#handshake;
    return this.html();
  }

  /**
   * As the browser does for components its page no longer shows: `cids_will_destroy`, then
   * `cids_destroyed` for those still gone, then forgets those the server freed.
   */
  #destroyOrphans(): void {
    const orphans = this.#tree.orphans().filter((cid) => !this.#leaving.has(cid));
    if (orphans.length === 0 || this.status !== "joined") return;
    for (const cid of orphans) this.#leaving.add(cid);
    const run = async () => {
      try {
        await this.#push("cids_will_destroy", { cids: orphans });
        const gone = this.#tree.orphans().filter((cid) => orphans.includes(cid));
        if (gone.length > 0) {
          const reply = await this.#push("cids_destroyed", { cids: gone });
          this.#tree.prune(Array.isArray(reply.cids) ? reply.cids : []);
        }
      } catch {
        // The view closed meanwhile: nothing left to free.
      } finally {
        for (const cid of orphans) this.#leaving.delete(cid);
      }
    };
    this.#handshake = this.#handshake.then(run);
  }

  #applyReply(response: any): { reply?: unknown } {
    if (response.redirect !== undefined) this.redirect = { ...response.redirect, type: "redirect" };
    if (response.live_redirect !== undefined)
      this.redirect = { ...response.live_redirect, type: "live_redirect" };
    if (response.diff === undefined) return {};
    const out = this.#applyDiff(response.diff);
    return out;
  }

  #applyDiff(diff: Record<string, unknown>): { reply?: unknown } {
    const { events, reply } = this.#tree.merge(diff);
    for (const e of events) this.events.push(e as unknown[]);
    this.#destroyOrphans();
    for (const check of [...this.#waiters]) check();
    return { reply };
  }

  #push(event: string, payload: Record<string, unknown>): Promise<any> {
    if (this.status !== "joined") {
      return Promise.reject(new Error(`cannot push ${event}: the view is ${this.status}`));
    }
    return this.#send(this.#nextRef(), event, payload);
  }

  #nextRef(): string {
    return String(++this.#ref);
  }

  #send(ref: string, event: string, payload: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new Error(`no reply to ${event} within ${this.#timeout} ms`));
      }, this.#timeout);
      this.#pending.set(ref, { resolve, reject, timer });
      this.#conn.receive(JSON.stringify([this.#joinRef, ref, this.#topic, event, payload]));
    });
  }

  #onFrame(text: string): void {
    const [joinRef, ref, topic, event, payload] = JSON.parse(text);
    if (topic !== this.#topic) {
      // A child view's frame, on the page's connection.
      const child = this.#children.get(topic);
      if (child !== undefined) child.#onFrame(text);
      return;
    }
    if (joinRef !== this.#joinRef && joinRef !== null) return; // a previous join's late frame
    if (event === "phx_reply") {
      const pending = this.#pending.get(ref);
      if (pending === undefined) return;
      this.#pending.delete(ref);
      clearTimeout(pending.timer);
      if (payload.status === "ok") pending.resolve(payload.response);
      else
        pending.reject(new ReplyError(payload.response, `error reply: ${JSON.stringify(payload.response)}`));
      return;
    }
    switch (event) {
      case "diff":
        this.#applyDiff(payload);
        break;
      case "live_patch":
        this.patches.push(payload.to);
        this.#url = new URL(payload.to, this.#url).href;
        break;
      case "redirect":
      case "live_redirect":
        this.redirect = { ...payload, type: event };
        break;
      case "phx_close":
        this.#settle("closed");
        break;
      case "phx_error":
        this.#settle("crashed");
        break;
    }
  }

  #settle(status: "closed" | "crashed"): void {
    if (this.status === "closed" || this.status === "crashed") return;
    this.status = status;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`the view ${status} before replying`));
    }
    this.#pending.clear();
    for (const check of [...this.#waiters]) check();
  }
}
