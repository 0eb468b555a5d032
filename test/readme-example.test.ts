/**
 * The root README's example is real code: test/fixtures/readme-counter.ts holds it (so `tsc -p
 * tsconfig.test.json` type-checks it), this test checks that the README shows exactly that code, then runs it
 * (on a free port) and clicks the counter through the endpoint's real page and websocket path.
 */
import { readFileSync } from "node:fs";
import { live } from "@cinder/liveview/testing";
import { afterAll, describe, expect, test } from "vitest";

const root = new URL("../", import.meta.url);

/** The lines between the fixture's two marker comments, without the blank lines at either end. */
function exampleInFixture(): string {
  const text = readFileSync(new URL("test/fixtures/readme-counter.ts", root), "utf8");
  const begin = text.indexOf("// README example: begin\n");
  const end = text.indexOf("// README example: end");
  if (begin < 0 || end < begin) throw new Error("readme-counter.ts: the README example markers are missing");
  return text.slice(begin + "// README example: begin\n".length, end).trim();
}

/** The README's first TypeScript code block. */
function exampleInReadme(): string {
  const readme = readFileSync(new URL("README.md", root), "utf8");
  const m = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (m === null) throw new Error("README.md has no ```ts code block");
  return m[1].trim();
}

describe("the README's example", () => {
  test("is, line for line, the code of test/fixtures/readme-counter.ts", () => {
    expect(exampleInReadme()).toBe(exampleInFixture());
  });

  // The example reads its port and secret from the environment, as an app would; it listens on import.
  process.env.PORT = "0";
  process.env.SECRET_KEY_BASE ??= "the README example's test secret, 32+ characters";
  process.env.LOG_LEVEL = "error";
  const example = import("./fixtures/readme-counter.js");

  afterAll(async () => {
    const { endpoint, pubsub } = await example;
    await endpoint.close();
    await pubsub.stop();
  });

  test("serves a counter that counts clicks", async () => {
    const { endpoint } = await example;
    const view = await live(endpoint, "/");
    expect(view.html()).toContain("Clicked 0 times");
    await view.click("inc");
    expect(await view.click("inc")).toContain("Clicked 2 times");
    view.close();
  });
});
