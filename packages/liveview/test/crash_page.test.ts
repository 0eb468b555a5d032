import { PubSub } from "@cinder/pubsub";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createEndpoint, createLogger, defineLiveView, type Endpoint, html } from "../src/index.js";

const Broken = defineLiveView({
  mount() {
    throw new Error("mount failed for <b>user</b>");
  },
  render: () => html`<p>never</p>`,
});

describe("a page whose view throws while rendering", () => {
  let pubsub: PubSub;
  let endpoint: Endpoint;
  let base: string;
  const env = process.env.NODE_ENV;
  const logged: string[] = [];

  beforeAll(async () => {
    pubsub = await PubSub.start({ name: "crash-page" });
    endpoint = createEndpoint({
      routes: { "/broken": Broken },
      pubsub,
      secret: "crash page test secret, 32 characters or more",
      logger: createLogger({ write: (line) => logged.push(line) }),
    });
    const port = await endpoint.listen(0, "127.0.0.1");
    base = `http://127.0.0.1:${port}`;
  });
  afterEach(() => {
    process.env.NODE_ENV = env;
  });
  afterAll(async () => {
    await endpoint.close();
    await pubsub.stop();
  });

  test("outside production: a 500 page with the error, escaped, and a stack that names the .ts source", async () => {
    process.env.NODE_ENV = "development";
    const res = await fetch(`${base}/broken`);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const body = await res.text();
    expect(body).toContain("Error: mount failed for &lt;b&gt;user&lt;/b&gt;");
    expect(body).not.toContain("<b>user</b>");
    expect(body).toContain("GET /broken");
    expect(body).toMatch(/crash_page\.test\.ts:\d+/);
    expect(logged.some((l) => l.startsWith("[error] GET /broken failed: Error: mount failed"))).toBe(true);
  });

  test("in production: a plain 500 that says nothing about the code", async () => {
    process.env.NODE_ENV = "production";
    const res = await fetch(`${base}/broken`);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("Internal Server Error");
  });
});
