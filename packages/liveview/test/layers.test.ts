import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// The package's layers, read from its sources: every relative import (type-only ones too), as a graph.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /^(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/gms;

/** Each source file (relative to src) and the source files it imports. */
const graph = new Map<string, string[]>(
  sources(SRC).map((file) => {
    const deps = [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) =>
      relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts"))),
    );
    return [relative(SRC, file), deps];
  }),
);

function cycles(): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    path.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === "open") found.push([...path.slice(path.indexOf(d)), d].join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

/** The imports of files in `folder` that reach into any of `forbidden`. */
function reaching(folder: string, forbidden: string[]): string[] {
  return [...graph]
    .filter(([file]) => file.startsWith(`${folder}/`))
    .flatMap(([file, deps]) =>
      deps.filter((d) => forbidden.some((f) => d.startsWith(f))).map((d) => `${file} -> ${d}`),
    );
}

describe("the package's layers", () => {
  test("every import resolves to a source file", () => {
    const missing = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${file} -> ${d}`),
    );
    expect(missing).toEqual([]);
  });

  test("no import cycle, type-only imports included", () => {
    expect(cycles()).toEqual([]);
  });

  test("dependencies point one way: render and transport <- socket <- view <- http <- endpoint", () => {
    const upper = ["endpoint.ts", "index.ts", "internal.ts", "testing/"];
    expect(reaching("render", ["transport/", "socket/", "view/", "http/", ...upper])).toEqual([]);
    expect(reaching("transport", ["render/", "socket/", "view/", "http/", ...upper])).toEqual([]);
    // The socket process starts views through the ViewLauncher it is given, not by importing them.
    expect(reaching("socket", ["view/", "http/", ...upper])).toEqual([]);
    expect(reaching("view", ["http/", ...upper])).toEqual([]);
    expect(reaching("http", ["socket/", "transport/", ...upper])).toEqual([]);
    // Channels sit beside the views: on the socket and transport layers, reached only from the endpoint.
    expect(reaching("channels", ["view/", "http/", ...upper])).toEqual([]);
    for (const layer of ["render", "transport", "socket", "view", "http"])
      expect(reaching(layer, ["channels/"])).toEqual([]);
  });
});
