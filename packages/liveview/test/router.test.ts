import { describe, expect, test } from "vitest";
import { html } from "../src/render/rendered.js";
import { Router } from "../src/router.js";
import { defineLiveView } from "../src/view/view.js";

const view = (name: string) => defineLiveView({ name, mount() {}, render: () => html`<p></p>` });
const Home = view("Home");
const User = view("User");
const Files = view("Files");

describe("Router", () => {
  const router = new Router({ "/": Home, "/users/:id": User, "/files/*path": Files });

  test("matches literal, :param and *rest routes, decoding segments", () => {
    expect(router.match("/")).toMatchObject({ view: Home, name: "Home", params: {} });
    expect(router.match("/users/a%20b")).toMatchObject({ view: User, params: { id: "a b" } });
    expect(router.match("/files/a/b/c.txt")).toMatchObject({ view: Files, params: { path: "a/b/c.txt" } });
  });

  test("does not match other paths", () => {
    expect(router.match("/users")).toBeNull();
    expect(router.match("/users/1/edit")).toBeNull();
    expect(router.match("/nope")).toBeNull();
    expect(router.match("/users/%E0%A4%A")).toBeNull();
  });

  test("rejects bad routes", () => {
    expect(() => new Router({ nope: Home })).toThrow(/start with/);
    expect(() => new Router({ "/x": {} as never })).toThrow(/defineLiveView/);
    expect(() => new Router({ "/*a/b": Home })).toThrow(/last/);
  });
});
