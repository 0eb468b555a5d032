import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { removeStaleUploads } from "../src/upload/upload_dir.js";

/** A child process's pid, once the child has exited (a pid that no process holds). */
function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  return new Promise((resolve) => child.on("exit", () => resolve(child.pid!)));
}

const roots: string[] = [];
const live: ReturnType<typeof spawn>[] = [];
afterEach(async () => {
  for (const c of live.splice(0)) c.kill();
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

async function folder(root: string, name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "upload-x"), "left behind");
  return dir;
}

describe("the cleanup of temp upload files on start", () => {
  test("removes the folders of processes that are gone and its own pid's, never a running sibling's", async () => {
    const root = await mkdtemp(join(tmpdir(), "cinder-uploads-test-"));
    roots.push(root);
    const sibling = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    live.push(sibling);
    const gone = await deadPid();
    const dead = await folder(root, String(gone));
    const running = await folder(root, String(sibling.pid));
    const own = await folder(root, String(process.pid));
    const other = await folder(root, "not-a-pid");

    const dir = await removeStaleUploads(root, process.pid);

    expect(dir).toBe(own);
    expect(existsSync(dead)).toBe(false);
    expect(await readdir(own)).toEqual([]); // an earlier process with this pid left it: emptied
    expect(await readdir(running)).toEqual(["upload-x"]);
    expect(await readdir(other)).toEqual(["upload-x"]);
  });

  test("creates the folder when there is none yet", async () => {
    const root = join(await mkdtemp(join(tmpdir(), "cinder-uploads-test-")), "nested");
    roots.push(root);
    const dir = await removeStaleUploads(root, 4242);
    expect(await readdir(dir)).toEqual([]);
  });
});
