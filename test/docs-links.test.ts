/**
 * The docs point only at what the repository has: every relative link (and image) in every tracked
 * Markdown file resolves to a file or folder here, every `#anchor` to a heading of its target (GitHub's
 * slugs), and no tracked file cites the notes the project was planned from, which are not in it.
 * No network: links to other sites are not followed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Tracked files (git ls-files), or, outside a git checkout, every file but dependencies and builds. */
function trackedFiles(): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" });
    return out.split("\0").filter((f) => f !== "" && existsSync(join(root, f)));
  } catch {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
        if (["node_modules", "dist", ".git"].includes(e.name)) continue;
        const rel = dir === "" ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else files.push(rel);
      }
    };
    walk("");
    return files;
  }
}

/** The Markdown files the project publishes: the tracked ones, plus the READMEs and docs even if new. */
function markdownFiles(files: string[]): string[] {
  const found = new Set(files.filter((f) => f.endsWith(".md")));
  const add = (f: string) => existsSync(join(root, f)) && found.add(f);
  add("README.md");
  for (const parent of ["packages", "apps"]) {
    for (const d of readdirSync(join(root, parent))) add(`${parent}/${d}/README.md`);
  }
  for (const f of readdirSync(join(root, "docs"))) if (f.endsWith(".md")) found.add(`docs/${f}`);
  return [...found].sort();
}

/** The Markdown without its fenced code blocks, whose lines are neither headings nor links. */
function withoutFences(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** The Markdown without fenced code blocks and inline code spans, whose brackets are not links. */
function withoutCode(md: string): string {
  return withoutFences(md).replace(/(`+)[\s\S]*?\1/g, (span) => span.replace(/[^\n]/g, " "));
}

/** Link targets: inline links and images `[text](target "title")`, and reference definitions `[x]: target`. */
function linkTargets(md: string): string[] {
  const text = withoutCode(md);
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)/g)) {
    targets.push(m[1].replace(/^<|>$/g, ""));
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(\S+)/gm)) targets.push(m[1]);
  for (const m of text.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]*)"/g)) targets.push(m[1]);
  return targets;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/`/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__|\*)/g, "");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats get -1, -2, ...) and explicit ids. */
function anchorsOf(md: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(md).matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of md.matchAll(/<[^>]+\s(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

/** What is wrong with one link of `file`, or null when it resolves. */
function brokenLink(file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return null; // another site
  const hash = target.indexOf("#");
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, "");
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  const abs =
    pathPart === ""
      ? join(root, file)
      : pathPart.startsWith("/")
        ? join(root, pathPart)
        : resolve(root, dirname(file), pathPart);
  const rel = relative(root, abs);
  if (rel.startsWith("..")) return `${target}: points outside the repository`;
  if (!existsSync(abs)) return `${target}: ${rel} does not exist`;
  if (anchor === null || anchor === "") return null;
  if (statSync(abs).isDirectory()) return `${target}: an anchor on a folder`;
  if (abs.endsWith(".md")) {
    return anchorsOf(readFileSync(abs, "utf8")).has(anchor)
      ? null
      : `${target}: no heading #${anchor} in ${rel}`;
  }
  // Other files: GitHub's line anchors (#L12, #L12-L20), within the file.
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
  if (lines === null) return `${target}: #${anchor} is not a line anchor`;
  const count = readFileSync(abs, "utf8").split("\n").length;
  const last = Number(lines[2] ?? lines[1]);
  return last <= count ? null : `${target}: ${rel} has ${count} lines`;
}

const files = trackedFiles();
const markdown = markdownFiles(files);

describe("links in the docs", () => {
  test("the READMEs and docs/ are all checked", () => {
    for (const f of ["README.md", "docs/architecture.md", "docs/laws.md", "docs/benchmarks.md"]) {
      expect(markdown).toContain(f);
    }
    expect(markdown.filter((f) => /^packages\/[^/]+\/README\.md$/.test(f)).length).toBeGreaterThanOrEqual(3);
  });

  test.each(markdown)("every relative link in %s resolves", (file) => {
    const broken = linkTargets(readFileSync(join(root, file), "utf8"))
      .map((t) => brokenLink(file, t))
      .filter((b) => b !== null);
    expect(broken).toEqual([]);
  });

  test("GitHub-style heading slugs", () => {
    expect(slug("Views: `defineLiveView`")).toBe("views-defineliveview");
    expect(slug("`spawn(target, args?, opts?) -> Pid`")).toBe("spawntarget-args-opts---pid");
    expect(slug("Testing: `@cinder/liveview/testing`")).toBe("testing-cinderliveviewtesting");
    expect(slug("Processes: L1-L12")).toBe("processes-l1-l12");
    expect(slug("The demo's long-lived processes")).toBe("the-demos-long-lived-processes");
  });

  test("a broken link or anchor is reported", () => {
    expect(brokenLink("docs/laws.md", "../no-such-file.md")).toMatch(/does not exist/);
    expect(brokenLink("docs/laws.md", "#no-such-heading")).toMatch(/no heading/);
    expect(brokenLink("docs/laws.md", "#l1-per-pair-fifo")).toBeNull();
    expect(brokenLink("README.md", "docs/laws.md#l22-no-replay")).toBeNull();
  });
});

describe("the project cites only itself", () => {
  // Spelled in pieces so that this file does not match itself.
  const outside = ["..", "/shared"].join("");
  const planningNotes = ["DESIGN", "LAWS", "PROTOCOL"].map((n) => `${n}.md`);

  test("no tracked file mentions the planning notes' folder or files", () => {
    const offenders: string[] = [];
    for (const f of files) {
      if (/\.(png|jpe?g|gif|ico|woff2?)$/.test(f)) continue;
      const text = readFileSync(join(root, f), "utf8");
      if (text.includes(outside)) offenders.push(`${f}: ${outside}`);
      for (const n of planningNotes) if (text.includes(n)) offenders.push(`${f}: ${n}`);
    }
    expect(offenders).toEqual([]);
  });
});
