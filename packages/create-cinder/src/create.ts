import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fillPlaceholders, packageName, titleOf } from "./names.js";
import { DEV_TOOLS, ENGINES } from "./versions.js";

const exec = promisify(execFile);

/** Runs a command; on failure, the error says what it printed. */
async function run(cmd: string, args: string[], opts: { cwd: string; maxBuffer?: number }) {
  try {
    return await exec(cmd, args, opts);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `create-cinder: ${cmd} ${args.join(" ")} failed in ${opts.cwd}:\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}
const here = fileURLToPath(new URL("..", import.meta.url));
const TEMPLATE = join(here, "template");
/** The packages an app depends on, packed into its `vendor/` until they are on a registry. */
const PACKAGES = ["actors", "pubsub", "liveview", "create-cinder"];

/**
 * Writes a new app into `folder` (which must not exist, or be empty): the template with its names filled
 * in, and the Cinder packages packed into `vendor/`.
 */
export async function create(folder: string): Promise<void> {
  const target = resolve(folder);
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0))
    throw new Error(`create-cinder: ${folder} exists and is not an empty folder`);
  const root = repositoryRoot();
  if (root === null)
    throw new Error(
      "create-cinder: run it from a clone of the Cinder repository (node packages/create-cinder <folder>)",
    );
  if (isInside(target, root))
    throw new Error(
      "create-cinder: create the app outside the Cinder repository (its workspaces would adopt it)",
    );
  const name = packageName(basename(target));
  mkdirSync(target, { recursive: true });
  cpSync(TEMPLATE, target, { recursive: true });
  renameSync(join(target, "gitignore"), join(target, ".gitignore"));
  fillPlaceholders(target, { __APP_NAME__: name, __APP_TITLE__: titleOf(name) });

  console.log("Packing the Cinder packages into vendor/ ...");
  const vendor = join(target, "vendor");
  mkdirSync(vendor);
  await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b"], { cwd: root });
  const workspaces = PACKAGES.flatMap((p) => ["-w", `packages/${p}`]);
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", vendor, ...workspaces], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const packed = (JSON.parse(stdout) as { name: string; filename: string }[]).map((p) => [
    p.name,
    p.filename,
  ]);
  const dep = (pkg: string) => `file:vendor/${packed.find(([n]) => n === pkg)![1]}`;

  const manifest = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    engines: { node: ENGINES },
    scripts: {
      dev: "tsx watch --clear-screen=false src/main.ts",
      build: "tsc",
      start: "tsc && node --enable-source-maps dist/src/main.js",
      test: "tsc --noEmit && vitest run",
    },
    dependencies: {
      "@cinder/actors": dep("@cinder/actors"),
      "@cinder/liveview": dep("@cinder/liveview"),
      "@cinder/pubsub": dep("@cinder/pubsub"),
    },
    devDependencies: { "create-cinder": dep("create-cinder"), ...DEV_TOOLS },
  };
  writeFileSync(join(target, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`
Created ${name} in ${folder}. Next:

  cd ${folder}
  npm install
  npm run dev      # http://localhost:4000
`);
}

/** The Cinder repository this generator sits in, or null when it was installed from a tarball. */
function repositoryRoot(): string | null {
  const root = resolve(here, "../..");
  const manifest = join(root, "package.json");
  if (!existsSync(manifest)) return null;
  const workspaces = JSON.parse(readFileSync(manifest, "utf8")).workspaces;
  return Array.isArray(workspaces) && workspaces.includes("packages/create-cinder") ? root : null;
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
}
