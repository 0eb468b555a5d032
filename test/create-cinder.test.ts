/**
 * From `create-cinder` to a running app, as a user does it: the generator writes an app into an empty folder
 * outside the repository (with the packages packed into its vendor/), `npm install` installs it (from npm's
 * cache, where it can), `cinder gen.live` adds a CRUD set, the app's own `npm test` passes, and `npm run dev` serves its
 * pages.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEV_TOOLS } from "../packages/create-cinder/src/versions.js";

const run = promisify(execFile);
const root = new URL("../", import.meta.url).pathname;
const npm = "npm";
// The app's own test runner must not inherit this one's settings.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !k.startsWith("VITEST") && k !== "NODE_ENV" && k !== "NODE_OPTIONS",
  ),
);

describe("create-cinder", () => {
  let work: string;
  let app: string;
  let dev: ChildProcess | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "cinder-create-"));
    app = join(work, "my-board");
    await run(process.execPath, [join(root, "packages/create-cinder"), app], { cwd: work, env });
    // The tools' files are in npm's cache once this repository is installed, but not always their registry
    // listings (an install from a lockfile needs none): npm asks the registry only for what it lacks.
    await run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, env });
  }, 300_000);

  afterAll(() => {
    // npm, tsx's watcher and the app are one process group: end them all.
    try {
      if (dev?.pid !== undefined) process.kill(-dev.pid, "SIGTERM");
    } catch {
      // already gone
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("pins the development tools this repository tests with (so npm finds them in its cache)", () => {
    const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    for (const [name, version] of Object.entries(DEV_TOOLS))
      expect(rootManifest.devDependencies[name], name).toBe(version);
  });

  test("writes an app whose package.json depends on the vendored tarballs, named after its folder", () => {
    const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8"));
    expect(manifest.name).toBe("my-board");
    expect(manifest.dependencies["@cinder/liveview"]).toMatch(/^file:vendor\/cinder-liveview-.*\.tgz$/);
    expect(readFileSync(join(app, ".gitignore"), "utf8")).toContain("node_modules/");
    expect(readFileSync(join(app, "src/board_view.ts"), "utf8")).toContain("My Board");
  });

  test("gen.live adds posts, and the app's own npm test passes (type-check and its tests)", async () => {
    const { stdout } = await run(
      "npx",
      ["cinder", "gen.live", "Post", "posts", "title:string", "body:text", "views:integer"],
      {
        cwd: app,
        env,
      },
    );
    expect(stdout).toContain("created src/posts/post_index_view.ts");
    const { stdout: tests } = await run(npm, ["test"], { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: vitest colours its summary
    expect(tests.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/Test Files\s+2 passed/);
  }, 300_000);

  test("npm run dev serves the board and the generated pages", async () => {
    dev = spawn(npm, ["run", "dev"], {
      cwd: app,
      env: { ...env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      dev!.stdout!.on("data", (chunk) => {
        out += chunk;
        const m = /on (http:\/\/localhost:\d+)/.exec(out);
        if (m !== null) resolve(m[1]);
      });
      dev!.on("exit", (code) => reject(new Error(`npm run dev exited (${code}): ${out}`)));
    });
    const board = await fetch(`${base}/`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain("My Board");
    const posts = await fetch(`${base}/posts`);
    expect(await posts.text()).toContain("New post");
  }, 120_000);
});
