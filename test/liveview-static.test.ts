/**
 * The endpoint's `static` folder and `client` option over real HTTP: types, ETags and 304s, cache headers,
 * HEAD, the default favicon, and path traversal tried as an attacker would (raw TCP, so no client
 * normalizes the path first): encoded dots and slashes, backslashes, hidden files, a symbolic link out of
 * the folder. Then what `client` adds to pages, the boot script and the CSP.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEndpoint, defineLiveView, html } from "@cinder/liveview";
import { PubSub } from "@cinder/pubsub";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchPage, rawHttp, SECRET, type Started, startEndpoint } from "./helpers/liveview.js";

const Home = defineLiveView({ mount() {}, render: () => html`<p id="home">home</p>` });

let root: string;
let s: Started;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "cinder-static-"));
  const pub = join(root, "public");
  mkdirSync(join(pub, "img"), { recursive: true });
  writeFileSync(join(pub, "app.js"), "export const hooks = {};\n");
  writeFileSync(join(pub, "app.css"), "body { color: red }\n");
  writeFileSync(join(pub, "img", "dot.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  writeFileSync(join(pub, "data.bin"), Buffer.from([1, 2, 3]));
  writeFileSync(join(pub, ".env"), "SECRET=1\n");
  writeFileSync(join(root, "outside.txt"), "outside\n");
  symlinkSync(join(root, "outside.txt"), join(pub, "link.txt"));
  s = await startEndpoint(() => ({ "/": Home }), {
    static: { dir: pub },
    client: { module: "/app.js", stylesheets: ["/app.css"], scripts: ["https://cdn.example/lib.js"] },
  });
});
afterAll(async () => {
  await s?.endpoint.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string) => rawHttp(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

describe("the static folder", () => {
  test("files with their types, an ETag, Last-Modified, nosniff and (outside production) no-cache", async () => {
    for (const [path, type] of [
      ["/app.js", "text/javascript; charset=utf-8"],
      ["/app.css", "text/css; charset=utf-8"],
      ["/img/dot.svg", "image/svg+xml"],
      ["/data.bin", "application/octet-stream"],
    ]) {
      const res = await fetch(s.base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe(type);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("last-modified")).not.toBeNull();
      const etag = res.headers.get("etag");
      expect(etag).toMatch(/^W\/"/);
      await res.arrayBuffer();
      const again = await fetch(s.base + path, { headers: { "if-none-match": etag! } });
      expect(again.status).toBe(304);
    }
    expect(await (await fetch(`${s.base}/app.js`)).text()).toBe("export const hooks = {};\n");
    const head = await fetch(`${s.base}/app.css`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("20");
    expect(await head.text()).toBe("");
  });

  test("nothing outside the folder, no hidden files, no folders: each is a 404", async () => {
    for (const path of [
      "/../outside.txt",
      "/%2e%2e/outside.txt",
      "/img/..%2f..%2foutside.txt",
      "/img%2f..%2f..%2foutside.txt",
      "/..%5coutside.txt",
      "/img/%5c..%5c..%5coutside.txt",
      "/.env",
      "/%2eenv",
      "/img/./dot.svg",
      "/img//dot.svg",
      "/app.js%00.png",
      "/link.txt",
      "/img",
      "/img/",
      "/nothing.js",
      "/%zz",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toContain("outside");
      expect(res.body, path).not.toContain("SECRET");
    }
  });

  test("any path, however encoded, serves a file of the folder or nothing (property)", async () => {
    const files = new Map([
      ["app.js", "export const hooks = {};\n"],
      ["app.css", "body { color: red }\n"],
      ["img/dot.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"],
    ]);
    const segment = fc.constantFrom(
      "..",
      ".",
      "",
      "%2e%2e",
      "%2E%2e",
      ".%2e",
      "%2f",
      "%5c",
      "..%2f",
      "..%5c",
      "%00",
      "%0a",
      "img",
      "app.js",
      "app.css",
      "dot.svg",
      "outside.txt",
      ".env",
      "link.txt",
      "public",
      "%69mg",
      "app%2ejs",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 5 }), async (segs) => {
        const res = await get(`/${segs.join("/")}`);
        // The folder's answers carry a weak ETag; a page (the live route at "/") has none.
        if (res.status === 200 && /\betag: W\//i.test(res.head)) {
          // A 200 from the folder is one of its files, byte for byte, never what lies outside.
          expect([...files.values()]).toContain(res.body);
        } else {
          expect(res.body).not.toContain("outside");
          expect(res.body).not.toContain("SECRET");
        }
      }),
      { numRuns: 150 },
    );
  });

  test("under a prefix, with a max-age", async () => {
    const t = await startEndpoint(() => ({ "/": Home }), {
      static: { dir: join(root, "public"), at: "/assets", maxAge: 60 },
    });
    try {
      const res = await fetch(`${t.base}/assets/app.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=60");
      for (const path of ["/app.js", "/assets", "/assets/", "/assetsapp.js", "/assets/../public/app.js"])
        expect(
          (await rawHttp(t.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).status,
          path,
        ).toBe(404);
      // The live routes are still there.
      expect((await fetch(`${t.base}/`)).status).toBe(200);
    } finally {
      await t.endpoint.close();
    }
  });

  test("a default favicon, so a layout without an icon does not cost a 404 per page", async () => {
    const res = await fetch(`${s.base}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/x-icon");
    const body = Buffer.from(await res.arrayBuffer());
    // An ICO directory: reserved 0, type 1 (icon), one 16x16 image.
    expect([body.readUInt16LE(0), body.readUInt16LE(2), body.readUInt16LE(4), body[6], body[7]]).toEqual([
      0, 1, 1, 16, 16,
    ]);
  });

  test("a folder that does not exist, or a bad `at`, fails at start-up naming the option", async () => {
    const pubsub = await PubSub.start({ name: `lv-static-bad-${process.pid}` });
    const base = { routes: { "/": Home }, pubsub, secret: SECRET };
    expect(() => createEndpoint({ ...base, static: join(root, "missing") })).toThrow(
      /createEndpoint: static: .* is not a readable folder/,
    );
    expect(() => createEndpoint({ ...base, static: { dir: root, at: "assets" } })).toThrow(
      /static: at must be a path starting with "\/"/,
    );
    expect(() => createEndpoint({ ...base, client: { module: "javascript:alert(1)" } })).toThrow(
      /client: module must be a local path/,
    );
    expect(() => createEndpoint({ ...base, client: { module: "//cdn.example/x.js" } })).toThrow(
      /client: module/,
    );
    expect(() => createEndpoint({ ...base, client: { hooks: "/x.js" } as never })).toThrow(
      /client: unknown field "hooks"/,
    );
    await pubsub.stop();
  });
});

describe("the client option", () => {
  test("pages link the stylesheets and scripts; the boot script imports the module and passes hooks and uploaders", async () => {
    const page = await fetchPage(s.base, "/");
    expect(page.html).toContain('<link rel="stylesheet" href="/app.css">');
    expect(page.html).toContain('<script defer src="https://cdn.example/lib.js"></script>');
    // The app's scripts run before the boot script, which connects.
    expect(page.html.indexOf("cdn.example/lib.js")).toBeLessThan(page.html.indexOf("/live/assets/boot.js"));
    const boot = await (await fetch(`${s.base}/live/assets/boot.js`)).text();
    expect(boot).toContain('import("/app.js")');
    expect(boot).toContain("hooks: (app && app.hooks) || {}");
    expect(boot).toContain("uploaders: (app && app.uploaders) || {}");
    // The CDN's origin joins the default policy's script-src; nothing else changes.
    const csp = (await fetch(`${s.base}/`)).headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self' https://cdn.example;");
    expect(csp).toContain("style-src 'self' 'unsafe-inline';");
  });
});
