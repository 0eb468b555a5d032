/**
 * Overload.
 * - A slow client (its websocket joined, then it stops reading) under a flood of broadcast diffs: the server
 *   buffers at most `maxBuffered` bytes for it (plus the frame that crossed the line), then drops that socket
 *   alone; the server's memory stays bounded, every other client gets every diff, and the dropped client's
 *   socket and view processes are gone.
 * - The live-view process has a bounded mailbox by default (`DEFAULT_VIEW_MAILBOX`): a runaway producer
 *   flooding a view that is busy ends that view with "mailbox_overflow" (its client gets `phx_error` and
 *   rejoins), and nothing else: the other view on the same socket keeps working.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createRuntime, type Pid, self } from "@cinder/actors";
import {
  createEndpoint,
  createLogger,
  DEFAULT_VIEW_MAILBOX,
  defineLiveView,
  type Endpoint,
  html,
} from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LiveClient, sleep, waitFor } from "./helpers/fault.js";
import { fetchPage, RawClient, SECRET } from "./helpers/liveview.js";

const MAX_BUFFERED = 1024 * 1024;
const BLOB = 128 * 1024;

const rt = createRuntime({ node: "overload", logger: () => {} });
const logs: string[] = [];
let pubsub: PubSub;
let endpoint: Endpoint;
let base: string;
/** View pids by the `cid` connect param, so that the test can reach a view's process. */
const views = new Map<string, Pid>();
/** Views (by pid) now inside their "stall" handler. */
const stalling = new Set<Pid>();
const serverSockets = new Set<Socket>();
let closeServer: () => Promise<void> = async () => {};

const Firehose = defineLiveView<{ n: number; blob: string }>({
  name: "Firehose",
  mount(_params, _session, socket) {
    socket.assign({ n: 0, blob: "" });
    if (socket.connected) {
      endpoint.subscribe("firehose");
      const cid = socket.connectParams.cid;
      if (typeof cid === "string") views.set(cid, self());
    }
  },
  async handleEvent(event, _value, socket) {
    // Busy for a while: mail piles up meanwhile.
    if (event === "stall") {
      stalling.add(self());
      // Long, so that the test sees the stall begin before it ends even on a loaded machine; the view is
      // ended by its overflow long before.
      await sleep(10_000);
      stalling.delete(self());
    }
    if (event === "inc") socket.assign({ n: socket.assigns.n + 1 });
  },
  handleInfo(msg: { payload: { n: number; blob: string } } | "spam", socket) {
    if (msg !== "spam") socket.assign({ n: msg.payload.n, blob: msg.payload.blob });
  },
  render: (a) => html`<p id="n">${a.n}</p><pre>${a.blob}</pre>`,
});

beforeAll(async () => {
  pubsub = await PubSub.start({ name: "overload", runtime: rt });
  endpoint = createEndpoint({
    routes: { "/": Firehose },
    pubsub,
    secret: SECRET,
    runtime: rt,
    maxBuffered: MAX_BUFFERED,
    logger: createLogger({ level: "warn", write: (line) => logs.push(line) }),
  });
  // Mounted into a server of the test's own, to watch each connection's server-side socket: its
  // `writableLength` is what the server has queued for that client and not yet handed to the kernel.
  const server = createServer(endpoint.handler);
  server.on("upgrade", endpoint.handleUpgrade);
  server.on("connection", (s) => serverSockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = () => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  };
});
afterAll(async () => {
  await endpoint?.close(1000);
  await closeServer();
  await pubsub?.stop();
});

describe("a client that stops reading", () => {
  test(`is dropped once more than maxBuffered (${MAX_BUFFERED} bytes) waits for it; the others get everything`, async () => {
    const baseline = rt.stats().processes;
    const page = await fetchPage(base);
    const slow = await RawClient.connect(base, page);
    expect((await slow.join(page, "1", { params: { cid: "slow" } })).status).toBe("ok");
    const others = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const p = await fetchPage(base);
        const c = await RawClient.connect(base, p);
        expect((await c.join(p, "1", { params: { cid: `fast${i}` } })).status).toBe("ok");
        return c;
      }),
    );
    expect(endpoint.connections).toBe(5);
    // The slow client stops reading: its kernel buffers fill, then the server's queue for it grows.
    (slow.ws as unknown as { _socket: Socket })._socket.pause();

    // What the server holds for each connection, sampled through the flood.
    let peakOne = 0;
    let peakAll = 0;
    const sampler = setInterval(() => {
      let all = 0;
      for (const sock of serverSockets) {
        peakOne = Math.max(peakOne, sock.writableLength);
        all += sock.writableLength;
      }
      peakAll = Math.max(peakAll, all);
    }, 2);
    const N = 300; // 300 diffs of 128 KiB: ~38 MiB for each client, far more than the slow one may be owed
    expect(N * BLOB).toBeGreaterThan(30 * MAX_BUFFERED);
    for (let n = 1; n <= N; n++) {
      await endpoint.broadcast("firehose", "blob", { n, blob: `${n}`.padEnd(BLOB, "x") });
      if (n % 4 === 0) await sleep(0); // let the sockets write, as a real server's event loop would
    }
    await waitFor(
      "every other client to get every diff",
      () => others.every((c) => c.frames.filter((f) => f[3] === "diff").length === N),
      { timeoutMs: 60_000 },
    );
    clearInterval(sampler);

    // Dropped: one warning saying how much was queued, no more than maxBuffered plus the frame that crossed it.
    await waitFor("the slow socket to be dropped", () => endpoint.connections === 4);
    const drops = logs.filter((l) => l.includes("client not reading"));
    expect(drops).toHaveLength(1);
    const queued = Number(/\((\d+) bytes buffered\)/.exec(drops[0])?.[1]);
    expect(queued).toBeGreaterThan(MAX_BUFFERED);
    expect(queued).toBeLessThanOrEqual(MAX_BUFFERED + BLOB + 1024);
    // What the server ever held for one client, and for all five together, stayed within the bound (the
    // slow client was owed ~38 MiB): server memory does not grow with what a client fails to read.
    expect(peakOne).toBeLessThanOrEqual(MAX_BUFFERED + BLOB + 1024);
    expect(peakAll).toBeLessThanOrEqual(5 * (MAX_BUFFERED + BLOB + 1024));

    // The slow client's socket and view processes are gone; the others' remain.
    await waitFor("the slow client's processes to stop", () => rt.stats().processes === baseline + 8);
    expect(pubsub.stats().subscriptions).toBe(4);
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(1006); // terminated: no close frame, nothing more is written for it
    for (const c of others) c.close();
    await waitFor("every process to stop", () => rt.stats().processes === baseline);
  }, 120_000);
});

describe("the live-view process's bounded mailbox (DEFAULT_VIEW_MAILBOX)", () => {
  test("is 10,000 messages, then exit", () => {
    expect(DEFAULT_VIEW_MAILBOX).toEqual({ max: 10_000, onOverflow: "exit" });
  });

  test("a runaway producer ends the busy view it floods, and nothing else; the client rejoins", async () => {
    const victim = await LiveClient.open(base, { params: { cid: "victim" }, rejoinAfterMs: () => 100 });
    const bystander = await LiveClient.open(base, { params: { cid: "bystander" } });
    const pid = views.get("victim")!;
    // The view is busy (in handleEvent for 10 s); meanwhile a producer sends it far more than it may queue.
    void victim.push("stall").catch(() => {});
    await waitFor("the view to be in its stall", () => stalling.has(pid));
    // The stall is in hand; the mailbox takes 10,000 more, and the next one ends the view.
    for (let i = 0; i < DEFAULT_VIEW_MAILBOX.max; i++) rt.send(pid, "spam");
    expect(rt.isAlive(pid)).toBe(true);
    expect(pid._p!.count).toBe(DEFAULT_VIEW_MAILBOX.max);
    for (let i = 0; i < 40_000; i++) rt.send(pid, "spam"); // the runaway goes on: nothing more is queued
    expect(rt.isAlive(pid)).toBe(false);
    await waitFor("the overflow to be logged", () =>
      logs.some((l) => l.startsWith("[warn]") && l.includes("the view's mailbox overflowed")),
    );

    // Its client saw phx_error and rejoined (a fresh view); the other view never noticed.
    await waitFor("the victim to rejoin", () => victim.joins === 2 && victim.joined);
    expect(victim.errors).toBe(1);
    expect(views.get("victim")).not.toBe(pid);
    await bystander.push("inc");
    expect(bystander.html()).toContain('<p id="n">1</p>');
    expect({ joins: bystander.joins, errors: bystander.errors }).toEqual({ joins: 1, errors: 0 });
    await Promise.all([victim.close(), bystander.close()]);
  }, 60_000);
});
