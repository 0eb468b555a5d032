import { expect, test } from "vitest";
import { defineLiveView, html } from "../src/index.js";
import { liveIsolated } from "../src/testing/index.js";
import { crashReports } from "./support/crash_reports.js";

const Todos = defineLiveView<{ items: string[] }>({
  name: "Todos",
  mount(_params, _session, socket) {
    socket.assign({ items: ["milk"] });
  },
  events: {
    add(value, socket) {
      // The mistake: a change in place, which no render would ever show.
      socket.assigns.items.push(String(value.item));
    },
    addRight(value, socket) {
      socket.update("items", (xs) => [...xs, String(value.item)]);
    },
  },
  render: ({ items }) => html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`,
});

test("a view that pushes onto an assigned array crashes at once, the report saying to assign a new array", async () => {
  const crash = crashReports();
  const view = await liveIsolated(Todos, crash);
  expect(await view.click("addRight", { item: "eggs" })).toContain("<li>eggs</li>");
  await expect(view.click("add", { item: "bread" })).rejects.toThrow(/crashed/);
  const deadline = Date.now() + 30_000;
  while (!crash.reports.some((l) => l.includes("assigns.items.push()")) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  expect(crash.reports.find((l) => l.includes("assigns.items.push()"))).toContain(
    "TypeError: assigns.items.push(): assigns are immutable (frozen in development and test), and a change made in place would never be rendered. Assign a new array instead: socket.assign({ items: [...socket.assigns.items, item] })",
  );
});
