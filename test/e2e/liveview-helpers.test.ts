/**
 * The app-facing helpers with the official client in Chromium: JS commands (show, hide, toggle, push with a
 * value and a class, toggleAttribute, dispatch), `link` patch and navigate, route groups (live navigation
 * inside a group, a full page load across groups), an `onMount` auth hook turning an anonymous user away
 * (over HTTP and over the websocket), a client hook from the app's own module in a static folder, and a
 * form whose errors show only for the inputs the user used.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineLiveView, form, html, JS, link, type OnMount, type RouteGroup } from "@cinder/liveview";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumAvailable, launchChromium } from "../helpers/chromium.js";
import { type Started, startEndpoint } from "../helpers/liveview.js";

const ok = chromiumAvailable();

const NOTE = `"quoted" <b>&'`;

const JsView = defineLiveView<{ count: number; note: string; tab: string; hello: string }>({
  name: "JsView",
  mount(_params, _session, socket) {
    socket.assign({ count: 0, note: "", tab: "1", hello: "" });
  },
  handleParams(params, _url, socket) {
    socket.assign({ tab: String(params.tab ?? "1") });
  },
  handleEvent(event, value, socket) {
    if (event === "add")
      socket.assign({ count: socket.assigns.count + Number(value.by), note: String(value.note) });
    else if (event === "hello") socket.assign({ hello: `hello from ${String(value.from)}` });
  },
  render: (a) => html`
    <p id="help">Help text</p>
    <button id="hide" phx-click="${JS.hide({ to: "#help" })}">hide</button>
    <button id="show" phx-click="${JS.show({ to: "#help", display: "inline" })}">show</button>
    <button id="toggle" phx-click="${JS.toggle({ to: "#help" })}">toggle</button>
    <button id="push" phx-click="${JS.push("add", { value: { by: 2, note: NOTE } }).addClass("pushed", { to: "#count" })}">+2</button>
    <span id="count">${a.count}</span><span id="note">${a.note}</span>
    <button id="menu-btn" phx-click="${JS.toggleAttribute("aria-expanded", "true", "false", { to: "#menu" })}">menu</button>
    <div id="menu" aria-expanded="false"></div>
    <button id="ping" phx-click="${JS.dispatch("app:ping", { to: "#target", detail: { n: 7 } })}">ping</button>
    <p id="target" phx-update="ignore"></p>
    <div id="greeter" phx-hook="Greeter" phx-update="ignore"></div>
    <p id="hello">${a.hello}</p>
    <p id="tab">tab ${a.tab}</p>
    ${link({ patch: "?tab=2", attrs: { id: "to-tab2" } }, "tab 2")}
    ${link({ navigate: "/other", attrs: { id: "to-other" } }, "other")}
    ${link({ navigate: "/admin", attrs: { id: "to-admin" } }, "admin")}
    <button id="to-secret" phx-click="${JS.navigate("/secret")}">secret</button>`,
});

/** A form whose errors show, as LiveView 1.x does, only for the inputs the user has used. */
const SignUp = defineLiveView<{
  values: Record<string, unknown>;
  errors: Record<string, string>;
  saved: string;
}>({
  name: "SignUp",
  mount(_params, _session, socket) {
    socket.assign({ values: {}, errors: {}, saved: "" });
  },
  handleEvent(event, value, socket) {
    const values = (value.user ?? {}) as Record<string, unknown>;
    const errors: Record<string, string> = {};
    if (!String(values.email ?? "").includes("@")) errors.email = "must have an @";
    if (String(values.name ?? "").length < 2) errors.name = "too short";
    socket.assign({ values, errors });
    if (event === "save" && Object.keys(errors).length === 0) socket.assign({ saved: String(values.name) });
  },
  render: (a) =>
    html`${form({ for: a.values, as: "user", errors: a.errors, phxChange: "validate", phxSubmit: "save" }, (f) => html`${f.input("name", { label: "Name" })}${f.input("email", { label: "Email" })}<button id="save">Save</button>`)}<p id="saved">${a.saved}</p>`,
});

const simple = (id: string, onMount?: OnMount) =>
  defineLiveView<{ user?: string }>({
    name: `${id}View`,
    onMount,
    mount() {},
    render: (a) =>
      html`<h1 id="${id}">${id} of ${a.user ?? "nobody"}</h1><p id="flash">${a.flash.error ?? ""}</p>${link(
        { navigate: "/admin/users", attrs: { id: "to-users" } },
        "users",
      )}`,
  });

const requireAdmin: OnMount = (_params, session, socket) => {
  if (typeof session.user !== "string" || session.user === "") {
    socket.putFlash("error", "Admins only").redirect("/login");
    return { halt: true };
  }
  socket.assign({ user: session.user });
};

const APP_JS = `
export const hooks = {
  Greeter: {
    mounted() {
      this.el.textContent = "hooked";
      this.pushEvent("hello", { from: "hook" });
    },
  },
};
window.addEventListener("app:ping", (e) => {
  e.target.textContent = "pinged " + e.detail.n;
});
`;

describe.skipIf(!ok)("JS commands, links, route groups, onMount and client hooks in Chromium", () => {
  let s: Started;
  let browser: Browser;
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cinder-e2e-static-"));
    writeFileSync(join(dir, "app.js"), APP_JS);
    writeFileSync(join(dir, "app.css"), "#help { color: rgb(255, 0, 0); }\n");
    const groups: RouteGroup[] = [
      {
        name: "public",
        routes: {
          "/": JsView,
          "/signup": SignUp,
          "/other": simple("other"),
          "/login": simple("login"),
          "/secret": simple("secret", requireAdmin),
        },
      },
      {
        name: "admin",
        onMount: requireAdmin,
        session: (req) => ({ user: /(?:^|; )user=(\w+)/.exec(req.headers.cookie ?? "")?.[1] ?? "" }),
        routes: { "/admin": simple("admin"), "/admin/users": simple("users") },
      },
    ];
    [s, browser] = await Promise.all([
      startEndpoint(() => groups, { static: dir, client: { module: "/app.js", stylesheets: ["/app.css"] } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.endpoint.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string, cookie?: string): Promise<Page> {
    const context = await browser.newContext();
    if (cookie !== undefined) {
      const [name, value] = cookie.split("=");
      await context.addCookies([{ name, value, url: s.base }]);
    }
    const page = await context.newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    await page.goto(s.base + path);
    await connected(page);
    // A full page load forgets this; a live navigation keeps it.
    await page.evaluate(() => {
      (window as any).samePage = true;
    });
    return page;
  }
  const connected = (page: Page) =>
    page.waitForSelector("[data-phx-main].phx-connected", { timeout: 30_000 });
  const samePage = (page: Page) => page.evaluate(() => (window as any).samePage === true);
  // Predicates are functions, not strings: the page's CSP (rightly) forbids eval.
  const until = (page: Page, fn: (arg: any) => boolean, arg: unknown) =>
    page.waitForFunction(fn, arg, { timeout: 30_000 });
  const textIs = (page: Page, sel: string, text: string) =>
    until(page, ([s, t]) => document.querySelector(s)?.textContent === t, [sel, text]);
  const display = (page: Page, sel: string, hidden: boolean) =>
    until(
      page,
      ([s, h]) => (getComputedStyle(document.querySelector(s as string)!).display === "none") === h,
      [sel, hidden] as const,
    );
  const attrIs = (page: Page, sel: string, name: string, value: string) =>
    until(page, ([s, n, v]) => document.querySelector(s)?.getAttribute(n) === v, [sel, name, value]);

  test("show, hide, toggle, push with a value and a class, toggleAttribute, dispatch", async () => {
    const page = await open("/");
    const visible = () => page.isVisible("#help");
    expect(await visible()).toBe(true);
    await page.click("#hide");
    await display(page, "#help", true);
    await page.click("#show");
    await display(page, "#help", false);
    expect(await page.evaluate(() => document.querySelector<HTMLElement>("#help")!.style.display)).toBe(
      "inline",
    );
    await page.click("#toggle");
    await display(page, "#help", true);
    await page.click("#toggle");
    await display(page, "#help", false);

    await page.click("#push");
    await textIs(page, "#count", "2");
    // The value came through the attribute and the wire exactly; the class stays across the server's patch.
    expect(await page.textContent("#note")).toBe(NOTE);
    await attrIs(page, "#count", "class", "pushed");
    await page.click("#push");
    await textIs(page, "#count", "4");
    expect(await page.getAttribute("#count", "class")).toBe("pushed");

    await page.click("#menu-btn");
    await attrIs(page, "#menu", "aria-expanded", "true");
    await page.click("#menu-btn");
    await attrIs(page, "#menu", "aria-expanded", "false");

    await page.click("#ping");
    await textIs(page, "#target", "pinged 7");
    expect(await samePage(page)).toBe(true);
    await page.context().close();
  }, 90_000);

  test("a client hook and a listener from the app's module, and its stylesheet, from the static folder", async () => {
    const page = await open("/");
    await textIs(page, "#greeter", "hooked");
    // The hook's pushEvent reached the view.
    await textIs(page, "#hello", "hello from hook");
    expect(await page.evaluate(() => getComputedStyle(document.querySelector("#help")!).color)).toBe(
      "rgb(255, 0, 0)",
    );
    await page.context().close();
  }, 90_000);

  test("link patch stays in the view; link navigate inside the group is live", async () => {
    const page = await open("/");
    await page.click("#to-tab2");
    await textIs(page, "#tab", "tab 2");
    expect(new URL(page.url()).search).toBe("?tab=2");
    await page.click("#to-other");
    await page.waitForSelector("#other", { timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe("/other");
    expect(await samePage(page)).toBe(true);
    await page.context().close();
  }, 90_000);

  test("across groups a link is a full page load; the admin group's hook lets a signed-in user in", async () => {
    const page = await open("/", "user=ada");
    await page.click("#to-admin");
    await page.waitForSelector("#admin", { timeout: 30_000 });
    await connected(page);
    expect(await page.textContent("#admin")).toBe("admin of ada");
    expect(await samePage(page)).toBe(false);
    // Inside the admin group: live again.
    await page.evaluate(() => {
      (window as any).samePage = true;
    });
    await page.click("#to-users");
    await page.waitForSelector("#users", { timeout: 30_000 });
    expect(await page.textContent("#users")).toBe("users of ada");
    expect(await samePage(page)).toBe(true);
    await page.context().close();
  }, 90_000);

  test("an anonymous user is kept out: across groups by the HTTP hook, inside a group by the connected mount's", async () => {
    // /admin is in another group: the client loads it in full, and the hook answers the request with a 302.
    const page = await open("/");
    await page.click("#to-admin");
    await page.waitForSelector("#login", { timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.textContent("#flash")).toBe("Admins only");
    await page.context().close();

    // /secret is in the same group: a live navigation, so only the websocket's mount can refuse it.
    const live = await open("/");
    const requests: string[] = [];
    live.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await live.click("#to-secret");
    await live.waitForSelector("#login", { timeout: 30_000 });
    expect(await live.textContent("#flash")).toBe("Admins only");
    // The browser never asked for /secret over HTTP: the join was refused with the redirect.
    expect(requests).not.toContain("/secret");
    expect(await live.locator("#secret").count()).toBe(0);
    await live.context().close();
  }, 90_000);

  test("form: errors only for the inputs the user used (the client's _unused_ params), all of them after a submit", async () => {
    const page = await open("/signup");
    const errorsShown = () =>
      page.evaluate(() =>
        Array.from(
          document.querySelectorAll("p.error"),
          (p) => `${p.getAttribute("data-for")}: ${p.textContent}`,
        ),
      );
    await page.fill("#user_email", "x");
    await textIs(page, 'p.error[data-for="user_email"]', "must have an @");
    // Name was never touched: its error is known to the view but not shown.
    expect(await errorsShown()).toEqual(["user_email: must have an @"]);
    expect(await page.getAttribute("#user_email", "aria-invalid")).toBe("true");
    await page.click("#save");
    await textIs(page, 'p.error[data-for="user_name"]', "too short");
    expect(await errorsShown()).toEqual(["user_name: too short", "user_email: must have an @"]);
    await page.fill("#user_name", "Ada");
    await page.fill("#user_email", "ada@example.com");
    await until(page, () => document.querySelectorAll("p.error").length === 0, null);
    await page.click("#save");
    await textIs(page, "#saved", "Ada");
    await page.context().close();
  }, 90_000);

  test("no errors in the browser console on any of these pages", () => {
    expect(errors).toEqual([]);
  });
});
