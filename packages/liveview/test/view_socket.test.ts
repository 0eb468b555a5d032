import { describe, expect, test } from "vitest";
import { ViewSocket } from "../src/view/view_socket.js";

const make = () =>
  new ViewSocket<{ n: number; list: number[]; name?: string }>("phx-1", true, new URL("http://h/"), {}, {});

describe("ViewSocket: change tracking and intents", () => {
  test("assign records only keys whose value changed (Object.is)", () => {
    const s = make();
    s.assign({ n: 1, list: [] });
    expect([...s.changed]).toEqual(["n", "list"]);
    s.clearChanges();
    s.assign({ n: 1 });
    s.assign("list", s.assigns.list);
    expect(s.changed.size).toBe(0);
    expect(s.titleChanged).toBe(false);
    expect(s.events).toEqual([]);
    s.update("n", (n) => n + 1);
    expect(s.assigns.n).toBe(2);
    expect([...s.changed]).toEqual(["n"]);
  });

  test("assigns are replaced, never mutated, so a render's view of them is stable", () => {
    const s = make();
    s.assign({ n: 1 });
    const before = s.assigns;
    s.assign({ n: 2 });
    expect(before.n).toBe(1);
    expect(s.assigns.n).toBe(2);
  });

  test("assignNew only sets a missing key", () => {
    const s = make();
    s.assignNew("name", () => "a");
    s.assignNew("name", () => "b");
    expect(s.assigns.name).toBe("a");
  });

  test("flash, title and events make the socket dirty", () => {
    const s = make();
    s.putFlash("info", "hi");
    expect(s.assigns.flash).toEqual({ info: "hi" });
    s.clearChanges();
    s.pageTitle = "T";
    expect(s.titleChanged).toBe(true);
    s.clearChanges();
    s.pushEvent("e", { a: 1 });
    expect(s.events).toEqual([["e", { a: 1 }]]);
    s.clearFlash("info");
    expect(s.assigns.flash).toEqual({});
  });

  test("navigation only to local paths, or explicit external http(s) URLs", () => {
    const s = make();
    s.pushPatch("/a?b=1");
    expect(s.navigation).toEqual({ kind: "patch", to: "/a?b=1", replace: false });
    s.redirect({ external: "https://example.com/x" });
    expect(s.navigation).toEqual({ kind: "redirect", to: "https://example.com/x", external: true });
    for (const bad of [
      "//evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "relative",
      "/\\evil",
    ]) {
      expect(() => s.redirect(bad)).toThrow(TypeError);
      expect(() => s.pushNavigate(bad)).toThrow(TypeError);
    }
    expect(() => s.redirect({ external: "javascript:alert(1)" })).toThrow(TypeError);
  });

  test("__proto__ cannot be assigned", () => {
    expect(() => make().assign("__proto__" as never, 1 as never)).toThrow(TypeError);
  });
});
