import { isLiveView, type LiveView } from "./view/view.js";

/**
 * Paths to live views: `{ "/": HomeView, "/users/:id": UserView, "/files/*path": FilesView }`.
 * `:name` matches one path segment, `*name` the rest of the path; both become params of `mount` and
 * `handleParams` (beside the query string's, which they override, as in Phoenix).
 */
export type Routes = Readonly<Record<string, LiveView>>;

/**
 * The group of live routes every route belongs to until routes can be grouped (Phoenix's
 * `live_session`): live navigation may go from any route of a group to any other of the same group.
 */
export const DEFAULT_ROUTE_GROUP = "default";

/** A route that matched a path. */
export interface RouteMatch {
  /** The route's pattern, e.g. `/users/:id`. */
  readonly pattern: string;
  readonly view: LiveView;
  /**
   * The view's identity in signed tokens: the first pattern that routes to it, the same on every node
   * configured with the same routes (a view object itself cannot travel in a token).
   */
  readonly viewKey: string;
  /** The route's group (see {@link DEFAULT_ROUTE_GROUP}). */
  readonly group: string;
  /** The view's name for logs: its `name`, else the pattern. */
  readonly name: string;
  /** The path's params, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

interface CompiledRoute {
  pattern: string;
  view: LiveView;
  viewKey: string;
  name: string;
  /** Literal segments as strings, `:x` as `{ param }`, `*x` as `{ rest }`. */
  segments: (string | { param: string } | { rest: string })[];
}

/** Matches request paths against {@link Routes}, in the order they were given. */
export class Router {
  readonly #routes: CompiledRoute[] = [];

  constructor(routes: Routes) {
    if (typeof routes !== "object" || routes === null) throw new TypeError("routes must be an object");
    const keys = new Map<LiveView, string>();
    for (const [pattern, view] of Object.entries(routes)) {
      if (!pattern.startsWith("/"))
        throw new TypeError(`route ${JSON.stringify(pattern)} must start with "/"`);
      if (!isLiveView(view)) throw new TypeError(`route ${pattern}: expected a view made by defineLiveView`);
      const segments = split(pattern).map((s, i, all) => {
        if (s.startsWith(":")) return { param: s.slice(1) };
        if (s.startsWith("*")) {
          if (i !== all.length - 1) throw new TypeError(`route ${pattern}: *${s.slice(1)} must come last`);
          return { rest: s.slice(1) };
        }
        return s;
      });
      if (!keys.has(view)) keys.set(view, pattern);
      this.#routes.push({ pattern, view, viewKey: keys.get(view)!, name: view.name ?? pattern, segments });
    }
  }

  /** The first route matching `pathname`, or null. */
  match(pathname: string): RouteMatch | null {
    const parts = split(pathname);
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params !== null) {
        const { pattern, view, viewKey, name } = route;
        return { pattern, view, viewKey, group: DEFAULT_ROUTE_GROUP, name, params };
      }
    }
    return null;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function matchSegments(segments: CompiledRoute["segments"], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (typeof seg === "string") {
      if (parts[i] !== seg) return null;
    } else if ("param" in seg) {
      if (i >= parts.length) return null;
      const v = decode(parts[i]);
      if (v === null) return null;
      params[seg.param] = v;
    } else {
      const v = decode(parts.slice(i).join("/"));
      if (v === null) return null;
      params[seg.rest] = v;
      return params;
    }
  }
  return parts.length === segments.length ? params : null;
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
