/**
 * `onMount` hooks and route groups over real HTTP and a raw websocket: an auth hook keeps an anonymous user
 * out of `/admin` in the dead render (a 302) and in the connected mount (the join is refused with the
 * redirect), hooks run in order (endpoint, group, view) on both, and live navigation never crosses groups.
 */
import { defineLiveView, html, type OnMount, type RouteGroup, type Session } from "@cinder/liveview";
import { Router } from "@cinder/liveview/internal";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchPage, RawClient, type Started, startEndpoint } from "./helpers/liveview.js";

/** Users whose rights were taken away after their page loaded (a server-side check the hook makes). */
const revoked = new Set<string>();

const requireAdmin: OnMount = (_params, session, socket) => {
  const user = session.user;
  if (typeof user !== "string" || user === "" || revoked.has(user)) {
    socket.putFlash("error", "Log in as an admin").redirect("/login");
    return { halt: true };
  }
  socket.assign({ user });
};

/** Each hook leaves its mark, with whether it ran connected, so the order and both runs can be checked. */
const mark =
  (name: string): OnMount =>
  (_params, _session, socket) => {
    const marks = (socket.assigns as { marks?: string[] }).marks ?? [];
    socket.assign({ marks: [...marks, `${name}:${socket.connected ? "live" : "dead"}`] });
  };

interface A {
  user?: string;
  marks?: string[];
  mounted?: boolean;
}

const view = (id: string, onMount?: OnMount | OnMount[]) =>
  defineLiveView<A>({
    name: `${id}View`,
    onMount,
    mount(_params, _session, socket) {
      socket.assign({ mounted: true });
    },
    render: (a) =>
      html`<h1 id="${id}">${id} of ${a.user ?? "nobody"}</h1><p id="marks">${(a.marks ?? []).join(",")}</p><p id="mounted">${String(a.mounted === true)}</p>`,
  });

const Home = view("home");
const Login = view("login");
const Secret = view("secret", [requireAdmin, mark("view")]);
const Admin = view("admin", mark("view"));
const AdminUsers = view("users");

let s: Started;

beforeAll(async () => {
  s = await startEndpoint(
    (): RouteGroup[] => [
      { name: "public", routes: { "/": Home, "/login": Login, "/secret": Secret } },
      {
        name: "admin",
        onMount: [mark("group"), requireAdmin],
        // The user comes from a cookie, read on the HTTP request only; the page's signed token carries it.
        session: (req): Session => ({ user: /(?:^|; )user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? "" }),
        routes: { "/admin": Admin, "/admin/users": AdminUsers },
      },
    ],
    { onMount: mark("endpoint") },
  );
});
afterAll(async () => {
  await s.endpoint.close();
});

const at = (path: string) => `http://127.0.0.1${path}`;

describe("an auth hook keeps an anonymous user out of /admin", () => {
  test("over HTTP: a 302 to /login with the flash in a cookie; mount never runs", async () => {
    const res = await fetch(`${s.base}/admin`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("__phoenix_flash__="))).toBe(true);
    // Signed in: the page renders, with what the hook assigned.
    const page = await fetchPage(s.base, "/admin", { cookie: "user=ada" });
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1 id="admin">admin of ada</h1>');
    // Endpoint, then group, then the view's own hooks; all before mount.
    expect(page.html).toContain('<p id="marks">endpoint:dead,group:dead,view:dead</p>');
  });

  test("over the websocket: the connected mount runs the hooks again; a join they halt is refused with the redirect", async () => {
    const page = await fetchPage(s.base, "/admin", { cookie: "user=bob" });
    const c = await RawClient.connect(s.base, page);
    const joined = await c.join(page, "1", { url: at("/admin") });
    expect(joined.status).toBe("ok");
    expect(JSON.stringify(joined.response.rendered)).toContain("endpoint:live,group:live,view:live");
    // Bob loses his rights after his page loaded: his next join (a reconnect) is turned away.
    revoked.add("bob");
    try {
      const again = await c.join(page, "2", { url: at("/admin") });
      expect(again.status).toBe("error");
      expect(again.response.redirect.to).toBe("/login");
      expect(typeof again.response.redirect.flash).toBe("string");
    } finally {
      revoked.delete("bob");
      c.close();
    }
  });

  test("over the websocket: a live navigation from a public page to a guarded view is refused with the redirect", async () => {
    // /secret is in the public group (so live navigation may reach it) but guarded by its own hook.
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    const nav = await c.join(page, "1", { url: undefined, redirect: at("/secret") });
    expect(nav.status).toBe("error");
    expect(nav.response.redirect.to).toBe("/login");
    expect(JSON.stringify(c.frames)).not.toContain('id="secret"');
    c.close();
  });

  test("over the websocket: a live navigation into another group is refused unauthorized (the client then loads the page)", async () => {
    const page = await fetchPage(s.base, "/");
    const c = await RawClient.connect(s.base, page);
    expect(await c.join(page, "1", { url: undefined, redirect: at("/admin") })).toEqual({
      status: "error",
      response: { reason: "unauthorized" },
    });
    // Within a group, live navigation works, and the target's hooks run connected.
    const admin = await fetchPage(s.base, "/admin", { cookie: "user=ada" });
    const d = await RawClient.connect(s.base, admin);
    const within = await d.join(admin, "1", { url: undefined, redirect: at("/admin/users") });
    expect(within.status).toBe("ok");
    const r = within.response.rendered;
    expect(r[0]).toBe("users");
    expect(r[3]).toBe("endpoint:live,group:live");
    // ... and the group's session data came along in the token.
    expect(r[2]).toBe("ada");
    c.close();
    d.close();
  });
});

describe("mistakes speak up", () => {
  test("a hook that halts with nowhere to go is an error naming the view", async () => {
    const Halting = defineLiveView({
      name: "HaltingView",
      onMount: function stuck() {
        return { halt: true };
      },
      mount() {},
      render: () => html`<p>never</p>`,
    });
    const t = await startEndpoint(() => ({ "/": Halting }));
    try {
      const res = await fetch(`${t.base}/`);
      expect(res.status).toBe(500);
      expect(t.logs.join("\n")).toContain(
        "HaltingView: an onMount hook (stuck) halted without sending the browser elsewhere",
      );
    } finally {
      await t.endpoint.close();
    }
  });

  test("bad groups and hooks throw at start-up, naming what is wrong", () => {
    expect(
      () =>
        new Router([
          { name: "a", routes: { "/": Home } },
          { name: "a", routes: {} },
        ]),
    ).toThrow(/two groups are named "a"/);
    expect(
      () =>
        new Router([
          { name: "a", routes: { "/": Home } },
          { name: "b", routes: { "/": Login } },
        ]),
    ).toThrow(/route \/ is in two groups \(a and b\)/);
    expect(() => new Router([{ name: "", routes: {} }])).toThrow(/routes\[0\]: a route group needs a name/);
    expect(() => new Router([{ name: "x", onMount: 42 as never, routes: {} }])).toThrow(
      /route group x: onMount must be a function/,
    );
    expect(() =>
      defineLiveView({ name: "V", onMount: ["no"] as never, mount() {}, render: () => html`` }),
    ).toThrow(/defineLiveView V: onMount must be a function/);
  });
});
