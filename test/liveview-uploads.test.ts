/**
 * Uploads over a real websocket, driven by hand as a hostile or broken client would: the `allow_upload`
 * preflight, the `lvu:` channel and its token, binary chunk frames, and what the server does when the
 * client lies about a file's size, cancels, stalls or goes away. Temp files are checked on disk.
 */
import { existsSync } from "node:fs";
import {
  defineLiveView,
  fileWriter,
  html,
  type LiveViewSocket,
  liveFileInput,
  type UploadEntry,
  type UploadWriter,
  uploadErrors,
} from "@cinder/liveview";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type Frame,
  fetchPage,
  type Page,
  RawClient,
  type Started,
  startEndpoint,
} from "./helpers/liveview.js";

/** What a test can see of the server side. */
const seen = {
  /** The upload ref of each connected mount, in order. */
  refs: [] as string[],
  /** The file writers made, by entry ref (their `path` is the temp file). */
  files: new Map<string, ReturnType<typeof fileWriter>>(),
  /** What the in-memory writers received and how they ended, by entry ref. */
  memory: new Map<string, { chunks: Buffer[]; disposed: string | null }>(),
};

function memoryWriter(ref: string): UploadWriter<{ bytes: Buffer }> {
  const rec = { chunks: [] as Buffer[], disposed: null as string | null };
  seen.memory.set(ref, rec);
  return {
    write: (chunk) => {
      rec.chunks.push(Buffer.from(chunk));
    },
    close: () => ({ bytes: Buffer.concat(rec.chunks) }),
    dispose: (reason) => {
      rec.disposed = reason;
    },
  };
}

type A = { results: string[] };

const entryLine = (conf: NonNullable<LiveViewSocket<A>["assigns"]["uploads"]>[string], e: UploadEntry) =>
  html`<li>${`${e.ref}:${e.progress}:${e.done ? "done" : "open"}:${uploadErrors(conf, e).join(",")}`}</li>`;

const UploadView = defineLiveView<A>({
  mount(_p, _s, socket) {
    socket.assign({ results: [] });
    socket.allowUpload("disk", {
      accept: [".txt", "text/plain"],
      maxFileSize: 1000,
      chunkSize: 64,
      chunkTimeout: 1500,
      writer: (_name, entry) => {
        const w = fileWriter();
        seen.files.set(entry.ref, w);
        return w;
      },
    });
    socket.allowUpload("mem", {
      accept: "any",
      maxEntries: 2,
      maxFileSize: 1000,
      chunkSize: 64,
      writer: (_name, entry) => memoryWriter(entry.ref),
    });
    socket.allowUpload("ext", {
      accept: "any",
      maxFileSize: 50_000_000,
      external: (entry) => ({ uploader: "Bucket", url: `https://bucket.example/${entry.ref}` }),
    });
    if (socket.connected)
      seen.refs.push(...["disk", "mem", "ext"].map((n) => socket.assigns.uploads![n]!.ref));
  },
  async handleEvent(event, value, socket) {
    if (event === "cancel") socket.cancelUpload(value.name, value.ref);
    if (event === "crash") throw new Error("the view crashes on purpose");
    if (event === "save-mem") {
      const got = await socket.consumeUploadedEntries(
        "mem",
        ({ bytes }: { bytes: Buffer }, e) => `${e.ref}=${bytes}`,
      );
      socket.assign({ results: got });
    }
    if (event === "save-ext") {
      const got = await socket.consumeUploadedEntries("ext", (meta: { url: string }) => meta.url);
      socket.assign({ results: got });
    }
  },
  render: ({ uploads, results }) => html`<form phx-change="validate">
    ${liveFileInput(uploads?.disk)}${liveFileInput(uploads?.mem)}${liveFileInput(uploads?.ext)}</form>
    <ul id="disk">${uploads?.disk?.entries.map((e) => entryLine(uploads.disk!, e))}</ul>
    <ul id="mem">${uploads?.mem?.entries.map((e) => entryLine(uploads.mem!, e))}</ul>
    <ul id="ext">${uploads?.ext?.entries.map((e) => entryLine(uploads.ext!, e))}</ul>
    <p id="results">${results.join(";")}</p>`,
});

/** A binary push frame, as phoenix.js `binaryEncode` makes it. */
function chunkFrame(joinRef: string, ref: string, topic: string, bytes: Buffer, event = "chunk"): Buffer {
  const head = [joinRef, ref, topic, event].map((s) => Buffer.from(s));
  return Buffer.concat([Buffer.from([0, ...head.map((h) => h.length)]), ...head, bytes]);
}

let s: Started;
beforeAll(async () => {
  s = await startEndpoint(() => ({ "/": UploadView }));
});
afterAll(async () => {
  await s?.endpoint.close();
});

/** A client joined to the page's view, with the upload refs of its mount. */
async function joined(): Promise<{
  c: RawClient;
  page: Page;
  topic: string;
  disk: string;
  mem: string;
  ext: string;
}> {
  const page = await fetchPage(s.base);
  const c = await RawClient.connect(s.base, page);
  const before = seen.refs.length;
  const r = await c.join(page);
  expect(r.status).toBe("ok");
  const [disk, mem, ext] = seen.refs.slice(before, before + 3) as [string, string, string];
  return { c, page, topic: `lv:${page.id}`, disk, mem, ext };
}

/** Waits until a frame matching `pred` has arrived, whatever came before or after it. */
async function seen_(c: RawClient, pred: (f: Frame) => boolean): Promise<void> {
  await expect.poll(() => c.frames.some(pred), { timeout: 30_000 }).toBe(true);
}

let refs = 0;
const file = (size: number, name = "a.txt", type = "text/plain") => ({
  ref: `f${++refs}`,
  name,
  size,
  type,
  last_modified: 1,
  relative_path: "",
});

describe("uploads over the channel protocol", () => {
  test("preflight, chunks into a custom (in-memory) writer, progress, consume", async () => {
    const { c, topic, mem } = await joined();
    const a = file(100, "a.bin");
    const b = file(30, "b.bin");
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: mem, entries: [a, b] });
    expect(pre.status).toBe("ok");
    expect(pre.response.config).toEqual({
      max_file_size: 1000,
      max_entries: 2,
      chunk_size: 64,
      chunk_timeout: 10_000,
    });
    const tokens = pre.response.entries as Record<string, string>;
    expect(Object.keys(tokens).sort()).toEqual([a.ref, b.ref].sort());

    const bytesA = Buffer.alloc(100, "x");
    bytesA.write("start", 0);
    for (const [f, bytes, jr] of [
      [a, bytesA, "10"],
      [b, Buffer.alloc(30, "y"), "20"],
    ] as const) {
      const j = await c.push(jr, jr, `lvu:${f.ref}`, "phx_join", { token: tokens[f.ref] });
      expect(j.status).toBe("ok");
      for (let at = 0, n = 0; at < bytes.length; at += 64, n++) {
        c.send(chunkFrame(jr, `${jr}-${n}`, `lvu:${f.ref}`, bytes.subarray(at, at + 64)));
        expect((await c.reply(`${jr}-${n}`))[4].status).toBe("ok");
      }
      const p = await c.push("1", `${jr}-p`, topic, "progress", {
        event: null,
        ref: mem,
        entry_ref: f.ref,
        progress: 100,
      });
      expect(p.status).toBe("ok");
    }
    expect(seen.memory.get(a.ref)!.chunks.map((x) => x.length)).toEqual([64, 36]);
    const saved = await c.push("1", "30", topic, "event", { type: "click", event: "save-mem", value: {} });
    expect(saved.status).toBe("ok");
    expect(JSON.stringify(saved)).toContain(`${a.ref}=start${"x".repeat(95)};${b.ref}=${"y".repeat(30)}`);
    expect(seen.memory.get(a.ref)!.disposed).toBe("consumed");
    c.close();
  });

  test("a client that sends more bytes than it declared is cut off at the declared size", async () => {
    const { c, topic, mem } = await joined();
    const f = file(100);
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: mem, entries: [f] });
    const lvu = `lvu:${f.ref}`;
    expect((await c.push("5", "5", lvu, "phx_join", { token: pre.response.entries[f.ref] })).status).toBe(
      "ok",
    );
    c.send(chunkFrame("5", "6", lvu, Buffer.alloc(64, 1)));
    expect((await c.reply("6"))[4].status).toBe("ok");
    // 64 + 64 > 100: this chunk is refused whole, and the upload ends.
    c.send(chunkFrame("5", "7", lvu, Buffer.alloc(64, 2)));
    const refused = await c.reply("7");
    expect(refused[4]).toEqual({ status: "error", response: { reason: "file_size_limit_exceeded" } });
    await seen_(c, (fr) => fr[2] === lvu && fr[3] === "phx_close");
    // The view marks the entry tooLarge; the writer got the first chunk only and was disposed of.
    await seen_(c, (fr) => fr[2] === topic && fr[3] === "diff" && JSON.stringify(fr).includes("tooLarge"));
    const rec = seen.memory.get(f.ref)!;
    expect(rec.chunks.map((x) => x.length)).toEqual([64]);
    await expect.poll(() => rec.disposed, { timeout: 30_000 }).toBe("failed");
    // A chunk after the cut-off goes nowhere.
    c.send(chunkFrame("5", "8", lvu, Buffer.alloc(10, 3)));
    expect((await c.reply("8"))[4].status).toBe("error");
    expect(rec.chunks.length).toBe(1);
    c.close();
  });

  test("a chunk longer than the chunk size ends the upload", async () => {
    const { c, topic, mem } = await joined();
    const f = file(500);
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: mem, entries: [f] });
    const lvu = `lvu:${f.ref}`;
    expect((await c.push("5", "5", lvu, "phx_join", { token: pre.response.entries[f.ref] })).status).toBe(
      "ok",
    );
    c.send(chunkFrame("5", "6", lvu, Buffer.alloc(65, 1)));
    expect((await c.reply("6"))[4]).toEqual({ status: "error", response: { reason: "invalid_chunk" } });
    await seen_(
      c,
      (fr) => fr[2] === topic && fr[3] === "diff" && JSON.stringify(fr).includes(`${f.ref}:0:open:failed`),
    );
    expect(seen.memory.get(f.ref)!.chunks).toEqual([]);
    c.close();
  });

  test("a file over maxFileSize or of a type not accepted gets no token, and the errors are rendered", async () => {
    const { c, topic, disk } = await joined();
    const big = file(5000);
    const png = file(10, "x.png", "image/png");
    const ch = await c.push("1", "2", topic, "event", {
      type: "form",
      event: "validate",
      value: "",
      uploads: { [disk]: [big] },
    });
    expect(ch.status).toBe("ok");
    expect(JSON.stringify(ch)).toContain("tooLarge");
    const pre = await c.push("1", "3", topic, "allow_upload", { ref: disk, entries: [png] });
    expect(pre.status).toBe("ok");
    // One file at a time (maxEntries 1): the new pick replaces the one not yet preflighted.
    expect(pre.response.error).toEqual([[png.ref, "not_accepted"]]);
    expect(pre.response.entries).toBeUndefined();
    c.close();
  });

  test("the upload channel's token is checked: forged, for another entry, or from another socket", async () => {
    const { c, topic, disk } = await joined();
    const f = file(10);
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: disk, entries: [f] });
    const token = pre.response.entries[f.ref] as string;
    expect((await c.push("3", "3", `lvu:${f.ref}`, "phx_join", { token: `${token}x` })).response).toEqual({
      reason: "invalid_token",
    });
    expect((await c.push("4", "4", "lvu:other", "phx_join", { token })).response).toEqual({
      reason: "invalid_token",
    });
    // Another websocket (with a view of its own) cannot use it: the token names a view joined here.
    const other = await joined();
    expect((await other.c.push("5", "5", `lvu:${f.ref}`, "phx_join", { token })).response).toEqual({
      reason: "invalid_token",
    });
    // The right one still works, once.
    expect((await c.push("6", "6", `lvu:${f.ref}`, "phx_join", { token })).status).toBe("ok");
    other.c.close();
    c.close();
  });

  test("cancel mid-upload removes the temp file", async () => {
    const { c, topic, disk } = await joined();
    const f = file(200);
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: disk, entries: [f] });
    const lvu = `lvu:${f.ref}`;
    await c.push("5", "5", lvu, "phx_join", { token: pre.response.entries[f.ref] });
    c.send(chunkFrame("5", "6", lvu, Buffer.alloc(64, 1)));
    expect((await c.reply("6"))[4].status).toBe("ok");
    const path = seen.files.get(f.ref)!.path!;
    expect(existsSync(path)).toBe(true);
    const r = await c.push("1", "7", topic, "event", {
      type: "click",
      event: "cancel",
      value: { name: "disk", ref: f.ref },
    });
    expect(r.status).toBe("ok");
    await c.next((fr) => fr[2] === lvu && fr[3] === "phx_close");
    await expect.poll(() => existsSync(path), { timeout: 30_000 }).toBe(false);
    c.close();
  });

  test("a stalled upload times out; a closed websocket and a crashed view leave no temp file", async () => {
    const { c, topic, disk } = await joined();
    const [f, g] = [file(200), file(200)];
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: disk, entries: [f] });
    await c.push("5", "5", `lvu:${f.ref}`, "phx_join", { token: pre.response.entries[f.ref] });
    c.send(chunkFrame("5", "6", `lvu:${f.ref}`, Buffer.alloc(64, 1)));
    await c.reply("6");
    const stalled = seen.files.get(f.ref)!.path!;
    // chunkTimeout is 1.5 s: the channel closes, the entry fails, the file goes.
    await seen_(c, (fr) => fr[2] === `lvu:${f.ref}` && fr[3] === "phx_close");
    await seen_(c, (fr) => fr[2] === topic && JSON.stringify(fr).includes(`${f.ref}:0:open:failed`));
    await expect.poll(() => existsSync(stalled), { timeout: 30_000 }).toBe(false);

    await c.push("1", "7", topic, "event", {
      type: "click",
      event: "cancel",
      value: { name: "disk", ref: f.ref },
    });
    const pre2 = await c.push("1", "8", topic, "allow_upload", { ref: disk, entries: [g] });
    await c.push("9", "9", `lvu:${g.ref}`, "phx_join", { token: pre2.response.entries[g.ref] });
    c.send(chunkFrame("9", "10", `lvu:${g.ref}`, Buffer.alloc(64, 1)));
    await c.reply("10");
    const open = seen.files.get(g.ref)!.path!;
    expect(existsSync(open)).toBe(true);
    c.close();
    await expect.poll(() => existsSync(open), { timeout: 30_000 }).toBe(false);

    const d = await joined();
    const h = file(200);
    const pre3 = await d.c.push("1", "2", d.topic, "allow_upload", { ref: d.disk, entries: [h] });
    await d.c.push("3", "3", `lvu:${h.ref}`, "phx_join", { token: pre3.response.entries[h.ref] });
    d.c.send(chunkFrame("3", "4", `lvu:${h.ref}`, Buffer.alloc(64, 1)));
    await d.c.reply("4");
    const crashed = seen.files.get(h.ref)!.path!;
    expect(existsSync(crashed)).toBe(true);
    d.c.send(["1", "5", d.topic, "event", { type: "click", event: "crash", value: {} }]);
    await seen_(d.c, (fr) => fr[2] === d.topic && fr[3] === "phx_error");
    await expect.poll(() => existsSync(crashed), { timeout: 30_000 }).toBe(false);
    d.c.close();
  }, 60_000);

  test("the progress report each chunk prompts is not refused by a tight event bucket", async () => {
    const tight = await startEndpoint(() => ({ "/": UploadView }), {
      eventRate: { burst: 4, perSecond: 0.5 },
    });
    try {
      const page = await fetchPage(tight.base);
      const c = await RawClient.connect(tight.base, page);
      const before = seen.refs.length;
      expect((await c.join(page)).status).toBe("ok");
      const mem = seen.refs[before + 1]!;
      const topic = `lv:${page.id}`;
      const f = file(640);
      const pre = await c.push("1", "2", topic, "allow_upload", { ref: mem, entries: [f] });
      const lvu = `lvu:${f.ref}`;
      expect((await c.push("3", "3", lvu, "phx_join", { token: pre.response.entries[f.ref] })).status).toBe(
        "ok",
      );
      // Ten chunks, each answered, as the official client does, by a progress report: none refused.
      for (let n = 0; n < 10; n++) {
        c.send(chunkFrame("3", `c${n}`, lvu, Buffer.alloc(64, n)));
        expect((await c.reply(`c${n}`))[4].status).toBe("ok");
        const p = await c.push("1", `p${n}`, topic, "progress", {
          event: null,
          ref: mem,
          entry_ref: f.ref,
          progress: (n + 1) * 10,
        });
        expect(p.status).toBe("ok");
      }
      expect(JSON.stringify(c.frames)).toContain(`${f.ref}:100:done:`);
      c.close();
    } finally {
      await tight.endpoint.close();
    }
  });

  test("external uploads: the preflight hands out the external meta, and 100 % from the client completes", async () => {
    const { c, topic, ext } = await joined();
    const f = file(10_000_000, "big.mov", "video/quicktime");
    const pre = await c.push("1", "2", topic, "allow_upload", { ref: ext, entries: [f] });
    expect(pre.response.entries).toEqual({
      [f.ref]: { uploader: "Bucket", url: `https://bucket.example/${f.ref}` },
    });
    // No upload channel for an external entry.
    expect((await c.push("3", "3", `lvu:${f.ref}`, "phx_join", { token: "x" })).status).toBe("error");
    await c.push("1", "4", topic, "progress", { event: null, ref: ext, entry_ref: f.ref, progress: 50 });
    await c.push("1", "5", topic, "progress", { event: null, ref: ext, entry_ref: f.ref, progress: 100 });
    const saved = await c.push("1", "6", topic, "event", { type: "click", event: "save-ext", value: {} });
    expect(saved.status).toBe("ok");
    expect(JSON.stringify(saved)).toContain(`https://bucket.example/${f.ref}`);
    c.close();
  });
});
