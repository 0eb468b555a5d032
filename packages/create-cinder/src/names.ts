import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** An npm package name made from a folder name: lowercase, `[a-z0-9-]`, starting with a letter. */
export function packageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  if (name === "")
    throw new Error(`create-cinder: cannot make a package name from ${JSON.stringify(folder)}`);
  return name.slice(0, 214);
}

/** "my-board" -> "My Board". */
export function titleOf(name: string): string {
  return name
    .split("-")
    .filter((w) => w !== "")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ");
}

const TEXT = /\.(ts|js|css|json|md)$|^gitignore$|^\.gitignore$/;

/** Replaces each placeholder in every text file under `folder`. */
export function fillPlaceholders(folder: string, values: Readonly<Record<string, string>>): void {
  for (const entry of readdirSync(folder)) {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) {
      fillPlaceholders(path, values);
    } else if (TEXT.test(entry)) {
      let text = readFileSync(path, "utf8");
      for (const [key, value] of Object.entries(values)) text = text.replaceAll(key, value);
      writeFileSync(path, text);
    }
  }
}
