import { mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Temp files of uploads live in `<tmp>/cinder-uploads/<pid>`: one folder per OS process, so that one
 * process's cleanup never touches the files a sibling (another worker on the machine) is receiving.
 */
export const UPLOAD_ROOT = join(tmpdir(), "cinder-uploads");

let ready: Promise<string> | null = null;

/** Whether an OS process `pid` is running (EPERM: it is, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what earlier processes left behind: the folders of processes that are no longer running, and
 * this process's own folder (left by an earlier process with the same pid, as pid 1 in a container).
 * Folders of running processes are left alone. Resolves to this process's folder (created, mode 0700).
 */
export async function removeStaleUploads(root: string, pid: number): Promise<string> {
  let names: string[] = [];
  try {
    names = await readdir(root);
  } catch {
    // No folder yet: nothing to clean.
  }
  for (const name of names) {
    if (!/^[1-9][0-9]{0,9}$/.test(name)) continue;
    const other = Number(name);
    if (other === pid || !alive(other)) await rm(join(root, name), { recursive: true, force: true });
  }
  const own = join(root, String(pid));
  await mkdir(own, { recursive: true, mode: 0o700 });
  return own;
}

/**
 * This process's upload folder, after the cleanup on start ({@link removeStaleUploads} of
 * {@link UPLOAD_ROOT}, once per process: the endpoint starts it when it is created).
 */
export function uploadDir(): Promise<string> {
  ready ??= removeStaleUploads(UPLOAD_ROOT, process.pid);
  return ready;
}
