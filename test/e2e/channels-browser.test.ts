/**
 * Channels in Chromium: two browsers (two contexts, each its own user) run the official client from
 * `phoenix.min.js` against two endpoints over Redis (nodes a and b). Their Presence lists (`Presence.onSync`,
 * `list`) show both users, on both nodes; a chat message from one reaches the other; when one browser closes,
 * the other's list drops it. And what a browser sees of the rest: a refused connect (errors and retries), a
 * refused join (its reason), a crash (phx_error, then the client rejoins by itself), a disconnect by socket id.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ChatNode, startChatNode } from "../helpers/channels.js";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { redisAvailable } from "../helpers/redis.js";

const ok = chromiumAvailable() && (await redisAvailable("the channel browser tests"));

describe.skipIf(!ok)("channels in Chromium with the official client", { timeout: 120_000 }, () => {
  let browser: Browser;
  let a: ChatNode;
  let b: ChatNode;

  beforeAll(async () => {
    const cluster = `channels-e2e-${process.pid}-${Date.now()}`;
    [a, b] = await Promise.all([startChatNode("a", cluster), startChatNode("b", cluster)]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await a?.stop();
    await b?.stop();
  });

  async function openPage(node: ChatNode, token: string, topic: string, extra = ""): Promise<Page> {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${node.base}/?token=${token}&topic=${encodeURIComponent(topic)}${extra}`);
    return page;
  }

  async function openChat(node: ChatNode, token: string, topic: string, extra = ""): Promise<Page> {
    const page = await openPage(node, token, topic, extra);
    await page.waitForFunction(() => (window as any).__joined === true, undefined, { timeout: 30_000 });
    return page;
  }

  const until = (page: Page, what: string, fn: string) =>
    page.waitForFunction(fn, undefined, { timeout: 30_000, polling: 50 }).catch((err) => {
      throw new Error(`the browser never saw ${what}`, { cause: err });
    });

  const present = (page: Page) => page.evaluate(() => (window as any).__present as string[]);
  const waitPresent = (page: Page, expected: string[]) =>
    page
      .waitForFunction((e) => (window as any).__present.join() === e.join(), expected, {
        timeout: 30_000,
        polling: 50,
      })
      .catch(async (err) => {
        throw new Error(
          `presence list ${JSON.stringify(await present(page))}, not ${JSON.stringify(expected)}`,
          {
            cause: err,
          },
        );
      });

  test("Presence lists synced in two browsers on two nodes; chat between them; a closed browser leaves", async () => {
    const topic = "room:browsers";
    const alice = await openChat(a, "user:alice", topic);
    const bob = await openChat(b, "user:bob", topic);
    await waitPresent(alice, ["alice@a", "bob@b"]);
    await waitPresent(bob, ["alice@a", "bob@b"]);
    // Shown in the page too (what onSync rendered).
    expect(await bob.locator("#present").textContent()).toBe("alice@a,bob@b");

    // A message from alice (node a) reaches bob (node b) once node b's subscription is known on node a.
    // Sent again every half second until it arrives: up to 30 s.
    for (let i = 0; i < 60; i++) {
      await alice.evaluate(() => (window as any).__say("hi bob"));
      const got = await bob
        .waitForFunction(
          () => (window as any).__messages.some((m: { body: string }) => m.body === "hi bob"),
          undefined,
          {
            timeout: 500,
          },
        )
        .then(() => true)
        .catch(() => false);
      if (got) break;
    }
    const msgs = await bob.evaluate(
      () => (window as any).__messages as { body: string; user: string; node: string }[],
    );
    expect(msgs.find((m) => m.body === "hi bob")).toEqual({ body: "hi bob", user: "alice", node: "a" });

    await bob.context().close();
    await waitPresent(alice, ["alice@a"]);
    await alice.context().close();
  });

  test("in the browser: a refused connect, a refused join, a crash rejoined, a disconnect by socket id", async () => {
    // connect says no: the socket errors and retries, and never joins.
    const refused = await openPage(a, "bad", "room:lobby");
    await until(refused, "two refused connects", "window.__socketErrors >= 2");
    expect(await refused.evaluate(() => (window as any).__joined)).toBe(false);
    await refused.context().close();

    // join says no: the reason reaches receive("error").
    const priv = await openPage(a, "user:nina", "room:private");
    await until(priv, "the join refused", "window.__joinError !== null");
    expect(await priv.evaluate(() => (window as any).__joinError)).toEqual({ reason: "unauthorized" });
    await priv.context().close();

    // A crash: phx_error, then the client rejoins by itself (the join pushes presence_state again).
    const crashy = await openChat(b, "user:omar", "room:crashy");
    await until(crashy, "the first presence_state", "window.__joins === 1");
    await crashy.evaluate(() => (window as any).__crash());
    await until(
      crashy,
      "the channel error and the rejoin",
      "window.__channelErrors >= 1 && window.__joins >= 2",
    );
    expect(await crashy.evaluate(() => (window as any).__say("after the crash"))).toEqual({ sent: true });
    await crashy.context().close();

    // Disconnect by id, from the other node: the browser's socket closes; another user's stays.
    const paul = await openChat(b, "user:paul", "room:lobby", "&reconnect=never");
    const quinn = await openChat(b, "user:quinn", "room:lobby", "&reconnect=never");
    for (let i = 0; i < 60; i++) {
      await a.endpoint.broadcast("user_socket:paul", "disconnect", {});
      const closed = await paul
        .waitForFunction(() => (window as any).__socketCloses > 0, undefined, { timeout: 500 })
        .then(() => true)
        .catch(() => false);
      if (closed) break;
    }
    expect(await paul.evaluate(() => (window as any).__socketCloses)).toBeGreaterThan(0);
    expect(await quinn.evaluate(() => (window as any).__socketCloses)).toBe(0);
    await paul.context().close();
    await quinn.context().close();
  });
});
