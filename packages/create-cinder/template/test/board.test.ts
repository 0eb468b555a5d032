import { live } from "@cinder/liveview/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type App, startApp } from "../src/app.js";

describe("the board", () => {
  let app: App;

  beforeAll(async () => {
    app = await startApp({ secret: "the board test's secret, 32+ characters long", port: 0 });
  });
  afterAll(() => app.stop());

  test("a card added in one browser shows in every open board", async () => {
    const alice = await live(app.endpoint, "/");
    const bob = await live(app.endpoint, "/");
    await alice.submit("add", { card: { text: "Write the README" } });
    // The card comes back as the store's broadcast, to Alice's board as to everyone's.
    await alice.waitFor("Write the README");
    await bob.waitFor("Write the README");
    alice.close();
    bob.close();
  });

  test("a blank card is refused with an error next to the field", async () => {
    const view = await live(app.endpoint, "/");
    const html = await view.submit("add", { card: { text: "   " } });
    expect(html).toContain("can&#39;t be blank");
    view.close();
  });

  test("a card's own buttons target the card: toggle marks it done", async () => {
    const view = await live(app.endpoint, "/");
    await view.submit("add", { card: { text: "Toggle me" } });
    const card = (await view.waitFor("Toggle me")).match(
      /id="(item-\d+)"[^>]*>\s*<button[^>]*>\s*<\/button>\s*<span class="text">Toggle me/,
    );
    expect(card).not.toBeNull();
    await view.component(card![1]).click("toggle");
    await view.waitFor((html) => new RegExp(`id="${card![1]}" class="card done"`).test(html));
    view.close();
  });

  test("Presence counts the viewers", async () => {
    const a = await live(app.endpoint, "/");
    const b = await live(app.endpoint, "/");
    await a.waitFor((html) => /(\d+) here/.test(html) && Number(/(\d+) here/.exec(html)![1]) >= 2);
    a.close();
    b.close();
  });
});
