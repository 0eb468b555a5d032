import { describe, expect, test } from "vitest";
import { escapeHtml } from "../src/render/escape.js";

describe("escapeHtml", () => {
  test("escapes the five special characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  test("returns the very same string when nothing needs escaping", () => {
    const s = "plain text, with unicode: été 🚀";
    expect(escapeHtml(s)).toBe(s);
    expect(escapeHtml("")).toBe("");
  });

  test("keeps text before, between and after special characters", () => {
    expect(escapeHtml("a<b")).toBe("a&lt;b");
    expect(escapeHtml("<")).toBe("&lt;");
    expect(escapeHtml("x&&y")).toBe("x&amp;&amp;y");
    expect(escapeHtml("tail>")).toBe("tail&gt;");
  });

  test("does not double-unescape existing entities (it escapes them again)", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });
});
