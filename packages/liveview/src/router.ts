import type { IncomingMessage } from "node:http";
import { type OnMount, type OnMountOption, onMountHooks } from "./view/on_mount.js";
import { isLiveView, type LiveView, type Session } from "./view/view.js";

/**
 * Paths to live views: `{ "/": HomeView, "/users/:id": UserView, "/files/*path": FilesView }`.
 * `:name` matches one path segment, `*name` the rest of the path; both become params of `mount` and
 * `handleParams` (beside the query string's, which they override, as in Phoenix).
 */
export type LiveRoutes = Readonly<Record<string, LiveView>>;

/**
 * A named group of live routes, as Phoenix's `live_session`: its routes share `onMount` hooks and
 * session data, and live navigation stays inside a group. A `link({ navigate })` or `pushNavigate` to a
 * route of another group is a full page load, so the HTTP side (cookies, the other group's `session`
 * and hooks) decides afresh; a live navigation into another group over the websocket is refused.
 */
export interface RouteGroup {
  /** The group's name (unique; it is signed into each page's session token). */
  readonly name: string;
  /** The group's paths and views. */
  readonly routes: LiveRoutes;
  /** Hooks run before each of its views' `mount` (after the endpoint's, before the view's own). */
  readonly onMount?: OnMountOption;
  /**
   * Session data of this group's pages, from the HTTP request, merged over the endpoint's `session`
   * (signed into the page, not encrypted; must be JSON).
   */
  readonly session?: (req: IncomingMessage) => Session | Promise<Session>;
}

/**
 * The endpoint's `routes`: one {@link LiveRoutes} record (every route in one group, `"default"`), or a
 * list of {@link RouteGroup}s.
 */
export type Routes = LiveRoutes | readonly RouteGroup[];

/** The group of a plain {@link LiveRoutes} record's routes. */
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
  /** The route's group (see {@link RouteGroup}). */
  readonly group: string;
  /** The `onMount` hooks to run before `mount`: the endpoint's, the group's, then the view's own. */
  readonly onMount: readonly OnMount[];
  /** The group's `session` function, if it has one. */
  readonly groupSession: RouteGroup["session"];
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
  group: string;
  onMount: readonly OnMount[];
  groupSession: RouteGroup["session"];
  /** Literal segments as strings, `:x` as `{ param }`, `*x` as `{ rest }`. */
  segments: (string | { param: string } | { rest: string })[];
}

/** Matches request paths against {@link Routes}, in the order they were given. */
export class Router {
  readonly #routes: CompiledRoute[] = [];

  /** `onMount`: the endpoint's hooks, run first for every route. */
  constructor(routes: Routes, endpointHooks: readonly OnMount[] = []) {
    if (typeof routes !== "object" || routes === null)
      throw new TypeError("routes must be an object of paths to views, or an array of route groups");
    const groups: RouteGroup[] = Array.isArray(routes)
      ? (routes as readonly RouteGroup[]).map(checkGroup)
      : [{ name: DEFAULT_ROUTE_GROUP, routes: routes as LiveRoutes }];
    const names = new Set<string>();
    const patterns = new Map<string, string>();
    const keys = new Map<LiveView, string>();
    for (const group of groups) {
      if (names.has(group.name))
        throw new TypeError(`routes: two groups are named ${JSON.stringify(group.name)}`);
      names.add(group.name);
      const onMount = Object.freeze([
        ...endpointHooks,
        ...onMountHooks(group.onMount, `route group ${group.name}`),
      ]);
      for (const [pattern, view] of Object.entries(group.routes)) {
        const other = patterns.get(pattern);
        if (other !== undefined)
          throw new TypeError(`route ${pattern} is in two groups (${other} and ${group.name})`);
        patterns.set(pattern, group.name);
        this.#add(pattern, view, keys, group.name, onMount, group.session);
      }
    }
  }

  #add(
    pattern: string,
    view: LiveView,
    keys: Map<LiveView, string>,
    group: string,
    onMount: readonly OnMount[],
    groupSession: RouteGroup["session"],
  ): void {
    if (!pattern.startsWith("/")) throw new TypeError(`route ${JSON.stringify(pattern)} must start with "/"`);
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
    this.#routes.push({
      pattern,
      view,
      viewKey: keys.get(view)!,
      name: view.name ?? pattern,
      group,
      onMount: view.onMount === undefined ? onMount : [...onMount, ...onMountHooks(view.onMount, pattern)],
      groupSession,
      segments,
    });
  }

  /** The first route matching `pathname`, or null. */
  match(pathname: string): RouteMatch | null {
    const parts = split(pathname);
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params !== null) {
        const { pattern, view, viewKey, name, group, onMount, groupSession } = route;
        return { pattern, view, viewKey, group, onMount, groupSession, name, params };
      }
    }
    return null;
  }
}

function checkGroup(group: RouteGroup, i: number): RouteGroup {
  const where = `routes[${i}]`;
  if (typeof group !== "object" || group === null) throw new TypeError(`${where}: expected { name, routes }`);
  if (typeof group.name !== "string" || group.name === "")
    throw new TypeError(`${where}: a route group needs a name`);
  if (typeof group.routes !== "object" || group.routes === null || Array.isArray(group.routes))
    throw new TypeError(`route group ${group.name}: routes must be an object of paths to views`);
  if (group.session !== undefined && typeof group.session !== "function")
    throw new TypeError(`route group ${group.name}: session must be a function of the request`);
  return group;
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
