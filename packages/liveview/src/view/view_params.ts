import { decodeParams, decodeTarget, emptyParams, type Params } from "../params.js";
import type { RouteMatch } from "../router.js";
import type { EventValue } from "./view.js";

/** The params of a URL for `mount`/`handleParams`: the query string's, then the path's over them. */
export function paramsFor(route: RouteMatch, url: URL): Params {
  const params = decodeParams(url.search.slice(1));
  for (const [k, v] of Object.entries(route.params)) if (k !== "__proto__") params[k] = v;
  return params;
}

/** The value of an `event` push as `handleEvent` receives it (see {@link EventValue}). */
export function eventValue(payload: Record<string, unknown>): EventValue {
  const raw = payload.value;
  if (payload.type === "form") {
    const value: EventValue = typeof raw === "string" ? decodeParams(raw) : emptyParams();
    const meta = payload.meta;
    if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
      for (const [k, v] of Object.entries(meta)) if (k !== "__proto__") value[k] = v;
    }
    // The client sends `_target: "undefined"` when no input triggered the event; Phoenix drops it.
    const target = value._target;
    if (typeof target === "string" && target !== "undefined") value._target = decodeTarget(target);
    else delete value._target;
    return value;
  }
  if (payload.type === "hook") return raw as EventValue;
  if (typeof raw === "string") return decodeParams(raw);
  // A click's `phx-value-*` object, copied without a prototype as decoded params are.
  const value: EventValue = emptyParams();
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (k !== "__proto__") value[k] = v;
  }
  return value;
}
