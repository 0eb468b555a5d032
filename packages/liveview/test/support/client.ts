import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// The official client's tree merger, loaded from the pinned phoenix_live_view package. It is not in the
// package's "exports", so it is found next to the package's main entry and imported by path; vitest
// transforms it (see server.deps.inline in the root vitest.config.ts), as it is TS/ESM with
// extensionless imports.
const main = createRequire(import.meta.url).resolve("phoenix_live_view");
const file = join(dirname(main), "../../assets/js/phoenix_live_view/rendered.js");

// rendered.js reads `window` only for `structuredClone` (deepClone, used on keyed moves).
(globalThis as { window?: unknown }).window ??= globalThis;

interface ClientRenderedInstance {
  mergeDiff(diff: unknown): void;
  toString(): { buffer: string; streams: Set<unknown> };
  resetRender(cid: number): void;
  pruneCIDs(cids: number[]): void;
  get(): Record<string, unknown>;
}
type ClientRenderedClass = new (viewId: string, rendered: unknown) => ClientRenderedInstance;
interface ClientRenderedStatic {
  extract(diff: unknown): { diff: unknown; title: unknown; events: unknown[] };
}

const mod = (await import(/* @vite-ignore */ file)) as {
  default: ClientRenderedClass & ClientRenderedStatic;
};

/** The client's `Rendered` class, exactly as the browser runs it. */
export const ClientRendered = mod.default;

/**
 * Mirrors what the browser does with a join reply and then with each diff: a JSON round trip (the
 * wire), `Rendered.extract` (strips "t"/"e"/"r"), merge, render. Returns the HTML after each step.
 */
export class ClientView {
  #rendered: ClientRenderedInstance;
  readonly titles: unknown[] = [];
  readonly events: unknown[][] = [];

  constructor(join: unknown) {
    const { diff, title, events } = ClientRendered.extract(wire(join));
    this.titles.push(title);
    this.events.push(events);
    this.#rendered = new ClientRendered("phx-test", diff);
  }

  apply(update: unknown): void {
    const { diff, title, events } = ClientRendered.extract(wire(update));
    this.titles.push(title);
    this.events.push(events);
    this.#rendered.mergeDiff(diff);
  }

  html(): string {
    return this.#rendered.toString().buffer;
  }

  /** The HTML and the stream operations the next DOM patch would apply. */
  render(): { buffer: string; streams: unknown[] } {
    const { buffer, streams } = this.#rendered.toString();
    return { buffer, streams: [...streams] };
  }

  /** The client's tree (its components under "c"). */
  get tree(): Record<string, unknown> {
    return this.#rendered.get();
  }

  /** What the client does on `cids_will_destroy`: renders these components in full if they come back. */
  resetRender(cids: readonly number[]): void {
    for (const cid of cids) this.#rendered.resetRender(cid);
  }

  /** What the client does once `cids_destroyed` is answered. */
  prune(cids: readonly number[]): void {
    this.#rendered.pruneCIDs([...cids]);
  }
}

function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
