/**
 * The packages as a user gets them: each workspace package is packed with `npm pack`, the three tarballs are
 * installed into an empty folder outside the repository, and a small TypeScript app there is type-checked
 * against the installed declarations, compiled, and run: it serves a live view on a real port and clicks it
 * through the real page and websocket.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const run = promisify(execFile);
const root = new URL("../", import.meta.url).pathname;
const packages = ["actors", "pubsub", "liveview"];
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

interface Packed {
  filename: string;
  files: { path: string }[];
}

let work: string;
let packed: Packed[];

const app = `import { spawn, send, receive, self } from "@cinder/actors";
import { createEndpoint, defineLiveView, html } from "@cinder/liveview";
import { live } from "@cinder/liveview/testing";
import { PubSub } from "@cinder/pubsub";

const Counter = defineLiveView<{ count: number }>({
  mount(_params, _session, socket) {
    socket.assign({ count: 0 });
  },
  handleEvent(_event, _value, socket) {
    socket.update("count", (n) => n + 1);
  },
  render: ({ count }) => html\`<button phx-click="inc">Clicked \${count} times</button>\`,
});

const pubsub = await PubSub.start({ name: "fresh" });
const endpoint = createEndpoint({ routes: { "/": Counter }, pubsub, secret: "a fresh app's secret of 32+ characters" });
await endpoint.listen(0);
const view = await live(endpoint, "/");
await view.click("inc");
const clicked = await view.click("inc");
view.close();

const echoed = await new Promise<unknown>((resolve) => {
  const echo = spawn(async () => {
    const [from, msg] = (await receive()) as [ReturnType<typeof self>, string];
    send(from, msg.toUpperCase());
  });
  spawn(async () => {
    send(echo, [self(), "pong"]);
    resolve(await receive());
  });
});
await endpoint.close();
await pubsub.stop();
console.log(JSON.stringify({ clicked, echoed }));
`;

describe("the packages, packed and installed into an empty folder", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "cinder-packed-"));
    await run(npm, ["run", "build"], { cwd: root });
    const args = [
      "pack",
      "--json",
      "--pack-destination",
      work,
      ...packages.flatMap((p) => ["-w", `packages/${p}`]),
    ];
    const { stdout } = await run(npm, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    packed = JSON.parse(stdout) as Packed[];
    const appDir = join(work, "app");
    await run("mkdir", ["-p", join(appDir, "src")]);
    writeFileSync(
      join(appDir, "package.json"),
      JSON.stringify({ name: "fresh-app", private: true, type: "module" }, null, 2),
    );
    writeFileSync(
      join(appDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          outDir: "dist",
          types: ["node"],
        },
        include: ["src"],
      }),
    );
    writeFileSync(join(appDir, "src", "app.ts"), app);
    const typesNode = JSON.parse(readFileSync(join(root, "node_modules/@types/node/package.json"), "utf8"));
    const tarballs = packed.map((p) => join(work, p.filename));
    await run(
      npm,
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        ...tarballs,
        `@types/node@${typesNode.version}`,
      ],
      { cwd: appDir },
    );
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("each tarball ships dist/, README.md, LICENSE and package.json, and nothing else", () => {
    expect(packed.map((p) => p.filename).sort()).toEqual(
      ["cinder-actors-0.1.0.tgz", "cinder-liveview-0.1.0.tgz", "cinder-pubsub-0.1.0.tgz"].sort(),
    );
    for (const p of packed) {
      const paths = p.files.map((f) => f.path);
      expect(paths, p.filename).toContain("LICENSE");
      expect(paths, p.filename).toContain("README.md");
      expect(paths, p.filename).toContain("dist/index.js");
      expect(paths, p.filename).toContain("dist/index.d.ts");
      const stray = paths.filter(
        (f) => !(f === "LICENSE" || f === "README.md" || f === "package.json" || f.startsWith("dist/")),
      );
      expect(stray, p.filename).toEqual([]);
      expect(
        paths.filter((f) => f.endsWith(".tsbuildinfo") || (f.endsWith(".ts") && !f.endsWith(".d.ts"))),
      ).toEqual([]);
    }
  });

  test("the installed manifests name no condition outside dist, set engines, and share one @cinder/actors", () => {
    const appDir = join(work, "app");
    for (const name of packages) {
      const manifest = JSON.parse(
        readFileSync(join(appDir, "node_modules/@cinder", name, "package.json"), "utf8"),
      );
      expect(manifest.engines?.node, name).toBeTruthy();
      expect(manifest.license, name).toBe("MIT");
      for (const [subpath, target] of Object.entries(
        manifest.exports as Record<string, Record<string, string>>,
      )) {
        for (const [condition, file] of Object.entries(target)) {
          expect(file.startsWith("./dist/"), `${name} ${subpath} ${condition}`).toBe(true);
          expect(existsSync(join(appDir, "node_modules/@cinder", name, file)), `${name} ${file}`).toBe(true);
        }
      }
    }
    expect(existsSync(join(appDir, "node_modules/@cinder/liveview/node_modules/@cinder"))).toBe(false);
    expect(existsSync(join(appDir, "node_modules/@cinder/pubsub/node_modules/@cinder"))).toBe(false);
  });

  test("a TypeScript app type-checks against them, and serves and clicks a live view", async () => {
    const appDir = join(work, "app");
    await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", appDir], {
      cwd: appDir,
    });
    const { stdout } = await run(process.execPath, [join(appDir, "dist/app.js")], {
      cwd: appDir,
      env: { ...process.env, LOG_LEVEL: "error", NODE_OPTIONS: "" },
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result.clicked).toContain("Clicked 2 times");
    expect(result.echoed).toBe("PONG");
  }, 120_000);
});
