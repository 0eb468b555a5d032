import { describe, expect, test } from "vitest";
import { checkEventHandlers, dispatchEvent, UnknownEventError } from "../src/view/events.js";

describe("dispatchEvent", () => {
  const socket = { id: "s" };

  test("runs the events entry with (value, socket) and returns its result", () => {
    const seen: unknown[] = [];
    const receiver = {
      events: {
        inc(value: unknown, s: typeof socket) {
          seen.push(value, s);
          return { reply: { n: 1 } };
        },
      },
    };
    expect(dispatchEvent(receiver, "V", "inc", { a: "1" }, socket)).toEqual({ reply: { n: 1 } });
    expect(seen).toEqual([{ a: "1" }, socket]);
  });

  test("falls back to handleEvent for names the map does not have", () => {
    const seen: string[] = [];
    const receiver = {
      events: { a: () => void seen.push("map a") },
      handleEvent: (e: string) => void seen.push(`handleEvent ${e}`),
    };
    dispatchEvent(receiver, "V", "a", {}, socket);
    dispatchEvent(receiver, "V", "b", {}, socket);
    expect(seen).toEqual(["map a", "handleEvent b"]);
  });

  test("an event with no handler throws UnknownEventError naming the event and the receiver", () => {
    const receiver = { events: { inc: () => {} } };
    let err: unknown;
    try {
      dispatchEvent(receiver, "CounterView", "dec", {}, socket);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownEventError);
    expect((err as UnknownEventError).event).toBe("dec");
    expect((err as UnknownEventError).receiver).toBe("CounterView");
    expect((err as Error).message).toBe(
      'CounterView has no handler for event "dec": add it to the events map (events: { dec(value, socket) { ... } }) or handle it in handleEvent',
    );
    expect(() => dispatchEvent({}, "Empty", "x", {}, socket)).toThrow(UnknownEventError);
  });

  test("inherited properties are not handlers: a client cannot call constructor or toString", () => {
    const receiver = { events: { inc: () => {} } };
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])
      expect(() => dispatchEvent(receiver, "V", name, {}, socket)).toThrow(UnknownEventError);
  });

  test("an event name that is not an identifier is quoted in the suggestion", () => {
    expect(() => dispatchEvent({}, "V", "save-item", {}, socket)).toThrow(
      'events: { "save-item"(value, socket) { ... } }',
    );
  });
});

describe("checkEventHandlers", () => {
  test("accepts a map of functions, a handleEvent, both, or neither", () => {
    expect(() => checkEventHandlers({ events: { a: () => {} }, handleEvent: () => {} }, "def")).not.toThrow();
    expect(() => checkEventHandlers({}, "def")).not.toThrow();
  });

  test("refuses what is not a map of functions, naming the entry", () => {
    expect(() => checkEventHandlers({ events: [] as never }, "defineLiveView")).toThrow(
      "defineLiveView: events must be an object of functions",
    );
    expect(() => checkEventHandlers({ events: { inc: "inc" } as never }, "defineLiveView")).toThrow(
      "defineLiveView: events.inc must be a function",
    );
    expect(() => checkEventHandlers({ handleEvent: 1 as never }, "defineLiveView")).toThrow(
      "defineLiveView: handleEvent must be a function",
    );
  });
});
