import {
  type Behaviour,
  cast,
  Exit,
  type ExitReason,
  exit,
  isNormalExit,
  type Pid,
  runtime,
  type Stop,
  self,
  spawn,
  stop,
} from "@cinder/actors";
import { type LiveContext, SALT, type SessionToken } from "../context.js";
import { hasUnsafeUrlChars } from "../local_path.js";
import { clip, quote } from "../logger.js";
import { DEFAULT_VIEW_MAILBOX } from "../view.js";
import { ChannelPush, verifyFlash, viewBehaviourFor } from "../view_process.js";
import { type Flash, NO_FLASH } from "../view_socket.js";
import { Channel } from "./channel.js";
import { decodeFrame, encodeReply, type Message, type Transport } from "./frame.js";
import { OVER_BUDGET, SocketGuard } from "./socket_guard.js";

/** A frame from the websocket, handed to the socket process. */
export class Incoming {
  constructor(
    readonly data: string | Buffer,
    readonly binary: boolean,
  ) {}
}

/** Told to the socket process when its websocket has closed. */
export class TransportClosed {}

/** What the endpoint passes to a socket process it spawns for a new websocket. */
export interface SocketArgs {
  readonly ctx: LiveContext;
  readonly transport: Transport;
}

interface SocketState {
  readonly ctx: LiveContext;
  readonly transport: Transport;
  /** Joined (or joining) channels. */
  readonly channels: ChannelTable;
  /** Event bucket, error budget, rate-limited log lines. */
  readonly guard: SocketGuard;
}

/** How long views get to stop (finish their callback, run terminate) after their socket closed. */
const VIEW_SHUTDOWN_MS = 5000;

/**
 * A socket's channels, by topic and by view pid. Almost every socket has one channel (at most
 * `maxChannels`), so this is an exact-length array searched in order, replaced on each join or leave:
 * two Maps per connection would cost more memory than the channel itself.
 */
export class ChannelTable {
  list: readonly Channel[] = [];

  get size(): number {
    return this.list.length;
  }

  get(topic: string): Channel | undefined {
    for (const ch of this.list) if (ch.topic === topic) return ch;
    return undefined;
  }

  byPid(pid: Pid): Channel | undefined {
    for (const ch of this.list) if (ch.pid === pid) return ch;
    return undefined;
  }

  add(ch: Channel): void {
    this.list = this.list.concat(ch); // exact length ([...list, ch] would reserve 17 slots)
  }

  remove(ch: Channel): void {
    if (this.list.includes(ch)) this.list = this.list.filter((c) => c !== ch);
  }
}

// Pushes a live view understands; anything else on a joined topic is answered with an error.
const VIEW_EVENTS = new Set(["event", "live_patch", "cids_will_destroy", "cids_destroyed"]);

/**
 * The process behind one websocket (Phoenix's socket process): decodes frames, answers heartbeats,
 * verifies joins and spawns one view process per joined topic, linked to itself, routes pushes to
 * them, and turns their exits into `phx_close` / `phx_error`. It traps exits, so a crashing view takes
 * nothing else down; when the websocket closes it stops, and the link stops every view (each runs its
 * `terminate`).
 */
export const socketBehaviour: Behaviour<SocketState, unknown, SocketArgs> = {
  init(args: SocketArgs): SocketState {
    const guard = new SocketGuard(args.ctx.logger, args.ctx.limits, self());
    return { ctx: args.ctx, transport: args.transport, channels: new ChannelTable(), guard };
  },

  handleInfo(msg: unknown, state: SocketState): SocketState | Stop<SocketState> {
    if (msg instanceof Incoming) return handleIncoming(msg, state);
    if (msg instanceof Exit) return handleExit(msg, state);
    if (msg instanceof TransportClosed) return stop("shutdown", state);
    if (msg === OVER_BUDGET) return overBudget(state);
    return state;
  },

  terminate(_reason: ExitReason, state: SocketState): void {
    state.guard.close();
    // Views stop through their link to this process (and run terminate); nothing they still write can
    // reach the client. A view that never finishes its current callback would never see that exit
    // signal, so, as a supervisor does, it is killed after a grace period.
    const rt = runtime();
    for (const ch of state.channels.list) {
      ch.state = "closed";
      const pid = ch.pid;
      if (pid === null) continue;
      const timer = setTimeout(() => rt.exit(pid, "kill"), VIEW_SHUTDOWN_MS).unref();
      // Gone in time (the usual case): drop the timer now, not 5 s later (the soak test saw thousands pile up).
      if (rt.watch(pid, () => clearTimeout(timer)) === null) clearTimeout(timer);
    }
  },
};

function handleIncoming(msg: Incoming, state: SocketState): SocketState | Stop<SocketState> {
  const { transport, guard } = state;
  // Frames that were queued before the budget ran out are not worth reading.
  if (guard.exhausted) return overBudget(state);
  if (msg.binary) {
    // The official client sends binary frames only for file uploads, which this server does not take.
    const m = decodeBinaryHeader(msg.data as Buffer);
    const over = guard.fault("warn", "binary frame refused: uploads are not supported");
    if (m !== null && m.ref !== "") {
      transport.send(
        encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: "binary frames are not supported" }),
      );
      return over ? overBudget(state) : state;
    }
    return protocolViolation(state, 1003, "binary frames are not supported");
  }
  const m = decodeFrame(typeof msg.data === "string" ? msg.data : msg.data.toString("utf8"));
  if ("error" in m) {
    const over = guard.fault("warn", `malformed frame: ${m.error}`);
    if (m.replyTo !== undefined) {
      const { joinRef, ref, topic } = m.replyTo;
      transport.send(encodeReply(joinRef, ref, topic, "error", { reason: "malformed message" }));
      return over ? overBudget(state) : state;
    }
    return protocolViolation(state, 1008, "malformed frame");
  }
  // Every frame but a heartbeat takes a token from the socket's bucket (see EventRate).
  if ((m.event !== "heartbeat" || m.topic !== "phoenix") && !guard.take()) {
    transport.send(encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: "too many events" }));
    const over = guard.fault("warn", `${quote(m.event)} on ${quote(m.topic)} refused: too many events`);
    return over ? overBudget(state) : state;
  }
  route(m, state);
  return guard.exhausted ? overBudget(state) : state;
}

/** Closes the websocket after a frame that cannot be answered (no ref to reply to, or not a frame). */
function protocolViolation(state: SocketState, code: number, reason: string): Stop<SocketState> {
  // Once per socket, so never rate-limited: the line that says why a client was cut off.
  state.ctx.logger.log("warn", `closing websocket: ${reason}`);
  state.transport.close(code, reason);
  return stop("shutdown", state);
}

/** Closes the websocket of a client that made more protocol errors than its budget allows. */
function overBudget(state: SocketState): Stop<SocketState> {
  const { max, windowMs } = state.ctx.limits.errorBudget;
  return protocolViolation(state, 1008, `more than ${max} protocol errors in ${windowMs} ms`);
}

function route(m: Message, state: SocketState): SocketState {
  const { transport, guard } = state;
  if (m.topic === "phoenix") {
    if (m.event === "heartbeat") transport.send(encodeReply(null, m.ref, "phoenix", "ok", {}));
    else unmatched(m, state);
    return state;
  }
  if (m.event === "phx_join") return join(m, state);
  const ch = state.channels.get(m.topic);
  if (ch === undefined || (m.joinRef !== null && m.joinRef !== ch.joinRef)) {
    // Leaving what is not joined is already done; anything else before a join is an error.
    if (m.event === "phx_leave") transport.send(encodeReply(m.joinRef, m.ref, m.topic, "ok", {}));
    else unmatched(m, state);
    return state;
  }
  if (m.event === "phx_leave") {
    transport.send(encodeReply(ch.joinRef, m.ref, ch.topic, "ok", {}));
    closeChannel(ch, state, "phx_close");
    return state;
  }
  if (VIEW_EVENTS.has(m.event)) {
    // A cast: the view handles pushes in its async handleCast, whatever its handleInfo is.
    cast(ch.pid!, new ChannelPush(m.ref, m.event, m.payload));
    return state;
  }
  if (m.event === "allow_upload" || m.event === "progress") {
    guard.fault("warn", `${m.event} on ${quote(m.topic)} refused: uploads are not supported`);
    transport.send(
      encodeReply(ch.joinRef, m.ref, ch.topic, "error", { reason: "uploads are not supported" }),
    );
    return state;
  }
  guard.fault("warn", `unknown event ${quote(m.event)} on ${clip(m.topic)}; replied with an error`);
  transport.send(encodeReply(ch.joinRef, m.ref, ch.topic, "error", { reason: "unknown event" }));
  return state;
}

function unmatched(m: Message, state: SocketState): void {
  state.guard.fault("warn", `Ignoring unmatched topic ${quote(m.topic)} (event ${quote(m.event)})`);
  state.transport.send(encodeReply(m.joinRef, m.ref, m.topic, "error", { reason: "unmatched topic" }));
}

function join(m: Message, state: SocketState): SocketState {
  const { ctx, transport, guard } = state;
  const { topic, payload } = m;
  const joinRef = m.joinRef ?? m.ref;
  if (!topic.startsWith("lv:") || joinRef === null) {
    unmatched(m, state);
    return state;
  }
  const refuse = (response: Record<string, unknown>, why: string): SocketState => {
    // A client's error (a bad token, too many channels), except following a link to a page no view serves.
    if ("redirect" in response) guard.log.log("info", `REFUSED JOIN ${clip(topic)}: ${why}`);
    else guard.fault("info", `REFUSED JOIN ${clip(topic)}: ${why}`);
    transport.send(encodeReply(joinRef, m.ref, topic, "error", response));
    return state;
  };
  const old = state.channels.get(topic);
  // A second join of a joined topic replaces the first (the client rejoining): close the old one.
  if (old !== undefined) closeChannel(old, state, "phx_close");
  if (state.channels.size >= ctx.maxChannels)
    return refuse({ reason: "too many channels" }, "too many channels");

  const token = ctx.signer.verify<SessionToken>(SALT.session, payload.session, ctx.sessionMaxAgeMs);
  if (!token.ok) {
    return refuse(
      { reason: token.error === "expired" ? "stale" : "unauthorized" },
      `session token ${token.error}`,
    );
  }
  const data = token.data;
  if (!isSessionToken(data) || data.id !== topic.slice(3)) {
    return refuse({ reason: "unauthorized" }, "session token is for another view");
  }
  // Live navigation joins with `redirect` (the new URL, reusing the first page's token) in place of `url`.
  // A join this socket will not serve is refused `unauthorized`, as Phoenix does: the official client
  // then loads the URL in full, carrying the flash in a cookie, and the HTTP side decides what is there
  // (another page, a redirect, a 404).
  const navigating = payload.redirect !== undefined;
  const url = parseUrl(navigating ? payload.redirect : payload.url);
  if (url === null) return refuse({ reason: "unauthorized" }, "no valid URL to mount");
  const match = ctx.router.match(url.pathname);
  const where = quote(url.pathname);
  if (navigating) {
    if (match === null || match.group !== data.g)
      return refuse({ reason: "unauthorized" }, `live navigation to ${where}: no live route of this group`);
  } else if (match === null || match.viewKey !== data.v) {
    return refuse(
      { reason: "unauthorized" },
      `session token was issued for ${data.r}, not for ${where} (${match?.pattern ?? "no live route"})`,
    );
  }
  const connectParams: Record<string, unknown> = Object.create(null);
  if (typeof payload.params === "object" && payload.params !== null) {
    for (const [k, v] of Object.entries(payload.params)) {
      if (k !== "_csrf_token" && k !== "__proto__") connectParams[k] = v;
    }
  }
  const ch = new Channel(topic, joinRef, transport);
  ch.guard = guard;
  ch.pid = spawn(
    viewBehaviourFor(match.view),
    {
      ctx,
      channel: ch,
      route: match,
      url,
      session: typeof data.s === "object" && data.s !== null ? data.s : {},
      flash: joinFlash(ctx, payload, data, navigating),
      connectParams,
    },
    // Linked: the view ends with its socket. Trapping: so that end runs the view's terminate. Bounded: see
    // DEFAULT_VIEW_MAILBOX.
    { link: true, trapExit: true, mailbox: match.view.mailbox ?? DEFAULT_VIEW_MAILBOX },
  );
  state.channels.add(ch);
  return state;
}

/**
 * The flash for a mount, as Phoenix picks it: a live navigation's signed `flash` first; else, on the
 * first mount after the page load, the flash the dead render showed (it came in the session token);
 * else none, so that a rejoin after a crash, or a live navigation without a flash, does not show an
 * old message again.
 */
function joinFlash(
  ctx: LiveContext,
  payload: Record<string, unknown>,
  data: SessionToken,
  navigating: boolean,
): Flash {
  if (typeof payload.flash === "string") return verifyFlash(ctx, payload.flash);
  const params = payload.params as Record<string, unknown> | undefined;
  if (!navigating && params?._mounts === 0 && typeof data.f === "object" && data.f !== null)
    return { ...data.f };
  return NO_FLASH;
}

/** Whether a verified token's data has the shape the dead render signs (older shapes are refused). */
function isSessionToken(data: unknown): data is SessionToken {
  if (typeof data !== "object" || data === null) return false;
  const d = data as Record<string, unknown>;
  return (
    typeof d.id === "string" && typeof d.v === "string" && typeof d.r === "string" && typeof d.g === "string"
  );
}

/** Removes a channel, tells the client (`phx_close`), and stops its view (running its `terminate`). */
function closeChannel(ch: Channel, state: SocketState, event: "phx_close"): void {
  state.channels.remove(ch);
  if (ch.pid !== null) {
    // A view still mounting has no state to clean up, and its mount may never return (a client that
    // gave up waiting rejoins): kill it. A mounted view stops in order and runs its terminate.
    exit(ch.pid, ch.state === "joining" ? "kill" : "shutdown");
  }
  if (ch.state === "joining") ch.state = "closed";
  else ch.end(event);
}

function handleExit(msg: Exit, state: SocketState): SocketState | Stop<SocketState> {
  // An exit signal from outside any process is a request to stop (e.g. the endpoint shutting down).
  if (msg.from === null) return stop(msg.reason, state);
  const ch = state.channels.byPid(msg.from);
  if (ch === undefined) return state; // a channel already closed (left, replaced)
  state.channels.remove(ch);
  const { guard } = state;
  if (ch.state === "joining") {
    // Crashes count against the client's budget: a client must not loop a view's crash cheaply.
    guard.fault("error", `${ch.topic} crashed while mounting; join refused`);
    ch.refuse({ reason: "join crashed" });
  } else if (ch.state === "joined") {
    if (isNormalExit(msg.reason)) {
      ch.end("phx_close");
    } else {
      // The client shows the error state and rejoins, which mounts the view afresh.
      if (msg.reason === "mailbox_overflow")
        guard.log.log(
          "warn",
          `${ch.topic}: the view's mailbox overflowed (see DEFAULT_VIEW_MAILBOX); it stopped`,
        );
      guard.fault("info", `${ch.topic} crashed; sent phx_error`);
      ch.end("phx_error", { reason: "channel_crash" });
    }
  }
  return guard.exhausted ? overBudget(state) : state;
}

/**
 * The URL of a join. Characters a URL parser silently drops or rewrites (control characters, backslashes)
 * are refused, so the URL a view sees is the one the client sent.
 */
function parseUrl(value: unknown): URL | null {
  if (typeof value !== "string" || value.length > 8192 || hasUnsafeUrlChars(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** The header of a binary frame (kind, join_ref, ref, topic, event), or null if it is not one. */
function decodeBinaryHeader(buf: Buffer): { joinRef: string; ref: string; topic: string } | null {
  if (buf.length < 5) return null;
  const [jl, rl, tl, el] = [buf[1], buf[2], buf[3], buf[4]];
  if (5 + jl + rl + tl + el > buf.length) return null;
  let at = 5;
  const joinRef = buf.toString("utf8", at, (at += jl));
  const ref = buf.toString("utf8", at, (at += rl));
  const topic = buf.toString("utf8", at, (at += tl));
  return { joinRef, ref, topic };
}
