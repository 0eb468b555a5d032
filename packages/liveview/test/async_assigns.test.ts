import { describe, expect, test } from "vitest";
import { type AsyncOutcome, AsyncResult, asyncResult, defineLiveView, html } from "../src/index.js";
import { live, liveIsolated } from "../src/testing/index.js";
import { crashReports } from "./support/crash_reports.js";

/** A promise the test settles by hand: the async work waits on it. */
function gate<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Org {
  name: string;
}

function orgView(load: (signal: AbortSignal) => Promise<{ org: Org }>) {
  return defineLiveView<{ org: AsyncResult<Org>; clicks: number }>({
    name: "OrgView",
    mount(_p, _s, socket) {
      socket.assign({ clicks: 0 }).assignAsync("org", load);
    },
    events: {
      click: (_v, socket) => {
        socket.update("clicks", (n) => n + 1);
      },
      reload: (_v, socket) => {
        socket.assignAsync("org", load);
      },
      cancel: (_v, socket) => {
        socket.cancelAsync(["org"], "user");
      },
    },
    render: ({ org, clicks }) =>
      html`<p>clicks ${clicks}</p>${asyncResult(org, {
        loading: () => html`<p>Loading…</p>`,
        ok: (o) => html`<h1>${o.name}</h1>`,
        failed: (reason) =>
          html`<p class="err">failed: ${String((reason as Error).message ?? JSON.stringify(reason))}</p>`,
      })}`,
  });
}

describe("assignAsync", () => {
  test("loading, then ok; events are handled while the work is pending", async () => {
    const g = gate<{ org: Org }>();
    const view = await liveIsolated(orgView(() => g.promise));
    expect(view.html()).toContain("Loading…");
    // The view's mailbox is not blocked by the pending load.
    expect(await view.click("click")).toContain("clicks 1");
    expect(await view.click("click")).toContain("clicks 2");
    g.resolve({ org: { name: "Acme" } });
    expect(await view.waitFor("<h1>Acme</h1>")).not.toContain("Loading");
    expect(view.html()).toContain("clicks 2");
    view.close();
  });

  test("the dead render shows the loading state and starts no work", async () => {
    let calls = 0;
    const g = gate<{ org: Org }>();
    const Org = orgView(() => {
      calls++;
      return g.promise;
    });
    const view = await liveIsolated(Org);
    expect(calls).toBe(1); // the connected mount only
    const page = await view.endpoint.render(
      { url: "/", method: "GET", headers: { host: "localhost" }, socket: {} } as never,
      "",
      {},
    );
    expect(page.kind === "page" && page.html).toContain("Loading…");
    expect(calls).toBe(1);
    view.close();
  });

  test("a failure fails the assign, not the view", async () => {
    const view = await liveIsolated(
      orgView(async () => {
        throw new Error("db down");
      }),
    );
    await view.waitFor("failed: db down");
    expect(view.status).toBe("joined");
    expect(await view.click("click")).toContain("clicks 1");
    view.close();
  });

  test("a function that resolves without every key fails with a message naming the keys", async () => {
    const view = await liveIsolated(orgView(async () => ({ wrong: 1 }) as never));
    await view.waitFor("missing [&quot;org&quot;]");
    expect(view.status).toBe("joined");
    view.close();
  });

  test("a reload keeps the last result while loading; a cancel fails the keys and aborts the work", async () => {
    const signals: AbortSignal[] = [];
    let g = gate<{ org: Org }>();
    const view = await liveIsolated(
      orgView((signal) => {
        signals.push(signal);
        return g.promise;
      }),
    );
    g.resolve({ org: { name: "Acme" } });
    await view.waitFor("<h1>Acme</h1>");
    g = gate();
    expect(await view.click("reload")).toContain("Loading…");
    expect(await view.click("cancel")).toContain("failed:");
    expect(signals[1].aborted).toBe(true);
    expect(signals[1].reason).toBe("user");
    // The cancelled load's late answer is dropped.
    g.resolve({ org: { name: "Late" } });
    await view.click("click");
    expect(view.html()).not.toContain("Late");
    view.close();
  });

  test("the work is aborted when the view dies", async () => {
    const signals: AbortSignal[] = [];
    const view = await liveIsolated(
      orgView((signal) => {
        signals.push(signal);
        return new Promise(() => {});
      }),
    );
    expect(signals).toHaveLength(1);
    expect(signals[0].aborted).toBe(false);
    await view.leave();
    await expect.poll(() => signals[0].aborted, { timeout: 30_000 }).toBe(true);
  });

  test("AsyncResult states", () => {
    const ok = AsyncResult.ok(1);
    expect([ok.status, ok.ok, ok.result, ok.loading]).toEqual(["ok", true, 1, false]);
    const again = AsyncResult.loading(ok);
    expect([again.status, again.ok, again.result]).toEqual(["loading", true, 1]);
    expect(AsyncResult.failed("x", again).result).toBe(1);
    expect(Object.isFrozen(ok)).toBe(true);
    expect(() => asyncResult(undefined, { ok: () => "" })).toThrow(/expected an AsyncResult/);
  });
});

describe("startAsync and handleAsync", () => {
  const Jobs = defineLiveView<{ log: string[] }>({
    name: "Jobs",
    mount(_p, _s, socket) {
      socket.assign({ log: [] });
    },
    events: {
      run: (v, socket) => {
        const ms = Number(v.ms);
        socket.startAsync(
          "job",
          (signal) =>
            new Promise((resolve, reject) => {
              if (v.fail) reject(new Error("job failed"));
              const t = setTimeout(() => resolve(`done ${v.tag}`), ms);
              signal.addEventListener("abort", () => clearTimeout(t));
            }),
        );
      },
      cancel: (_v, socket) => {
        socket.cancelAsync("job", "stop");
      },
    },
    handleAsync(name, outcome: AsyncOutcome, socket) {
      const line = outcome.ok
        ? `${name}: ${outcome.value}`
        : `${name} failed: ${JSON.stringify(outcome.reason instanceof Error ? outcome.reason.message : outcome.reason)}`;
      socket.update("log", (l) => [...l, line]);
    },
    render: ({ log }) => html`<ul>${log.map((l) => html`<li>${l}</li>`)}</ul>`,
  });

  test("the outcome reaches handleAsync; a restart drops the earlier run; failure and cancel arrive as outcomes", async () => {
    const view = await liveIsolated(Jobs);
    await view.click("run", { ms: "1", tag: "a" });
    await view.waitFor("job: done a");
    await view.click("run", { ms: "60000", tag: "slow" });
    await view.click("run", { ms: "1", tag: "b" }); // restarts "job": the slow run is aborted
    await view.waitFor("job: done b");
    await view.click("run", { ms: "1", fail: "1" });
    await view.waitFor("job failed: &quot;job failed&quot;");
    await view.click("run", { ms: "60000", tag: "c" });
    await view.click("cancel");
    await view.waitFor("job failed: {&quot;cancelled&quot;:&quot;stop&quot;}");
    expect(view.html()).not.toContain("slow");
    expect(view.status).toBe("joined");
    view.close();
  });

  test("startAsync in a view without handleAsync crashes it with a message naming the view", async () => {
    const NoHandler = defineLiveView({
      name: "NoHandler",
      mount(_p, _s, socket) {
        socket.startAsync("x", async () => 1);
      },
      render: () => html`<p>hi</p>`,
    });
    const { runtime, logger, reports } = crashReports();
    const view = await liveIsolated(NoHandler, { runtime, logger });
    await expect.poll(() => view.status, { timeout: 30_000 }).toBe("crashed");
    expect(reports.join("\n")).toContain(
      'NoHandler started async work "x" (startAsync) but defines no handleAsync',
    );
  });
});

test("live(endpoint, path) shows the loaded value after the pushed diff", async () => {
  const view = await liveIsolated(orgView(async () => ({ org: { name: "Fast" } })));
  await view.waitFor("<h1>Fast</h1>");
  const again = await live(view.endpoint, "/");
  await again.waitFor("<h1>Fast</h1>");
  view.close();
  again.close();
});
