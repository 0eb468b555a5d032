/**
 * The chat app through the testing harness: the rooms are behind the login hook, and the message stream
 * loads older messages page by page as the reader scrolls up (phx-viewport-top), without the server keeping
 * what it already sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { live } from "@cinder/liveview/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Chat, startChat } from "../apps/chat/src/app.js";
import { signUser, USER_COOKIE } from "../apps/chat/src/user_cookie.js";

const SECRET = "the chat test's secret, 32 characters or more";
let chat: Chat;
let uploads: string;

beforeAll(async () => {
  uploads = mkdtempSync(join(tmpdir(), "cinder-chat-test-"));
  chat = await startChat({
    port: 0,
    pubsub: "local",
    redisUrl: "",
    redisPrefix: "",
    node: "chat-test",
    secret: SECRET,
    uploadsDir: uploads,
  });
});
afterAll(async () => {
  await chat.stop();
  rmSync(uploads, { recursive: true, force: true });
});

const as = (name: string) => ({ headers: { cookie: `${USER_COOKIE}=${signUser(SECRET, name)}` } });
const shown = (html: string) => (html.match(/<li id="m-/g) ?? []).length;

describe("the chat", () => {
  test("a room without a name sends to /login; a forged cookie is no name", async () => {
    const res = await fetch(`http://127.0.0.1:${chat.port}/rooms/lobby`, { redirect: "manual" });
    expect([res.status, res.headers.get("location")]).toEqual([302, "/login"]);
    const forged = await fetch(`http://127.0.0.1:${chat.port}/rooms/lobby`, {
      redirect: "manual",
      headers: { cookie: `${USER_COOKIE}=QWRh.not-the-signature` },
    });
    expect(forged.status).toBe(302);
  });

  test("70 messages: the newest 30 first, then 30 older per scroll to the top, then no more", async () => {
    const writer = await live(chat.endpoint, "/rooms/random", as("Ada"));
    for (let i = 1; i <= 70; i++) await writer.submit("send", { text: `message ${i}` });
    const reader = await live(chat.endpoint, "/rooms/random", as("Bob"));
    expect(shown(reader.html())).toBe(30);
    expect(reader.html()).toContain("message 41");
    expect(reader.html()).not.toContain("message 40<");
    expect(reader.html()).toContain('phx-viewport-top="load-more"');
    expect(shown(await reader.click("load-more"))).toBe(60);
    const all = await reader.click("load-more");
    expect(shown(all)).toBe(70);
    // In order, oldest first, and nothing left to load.
    const order = [...all.matchAll(/<p>message (\d+)<\/p>/g)].map((m) => Number(m[1]));
    expect(order).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
    expect(all).not.toContain("phx-viewport-top");
    writer.close();
    reader.close();
  }, 60_000);
});
