/**
 * What the signed `data-phx-session` token holds. It binds the page to what it was issued for: a first
 * mount (a join with `url`) must land on the same view, and a live navigation (a join with `redirect`,
 * which reuses the first page's token) must stay within the same group of routes.
 */
export interface SessionToken {
  /** The view's DOM id: a token only joins the topic `lv:<id>`. */
  readonly id: string;
  /** The view it was issued for (`RouteMatch.viewKey`). */
  readonly v: string;
  /** The route pattern it was issued for (for logs; the view decides). */
  readonly r: string;
  /** The group of routes it was issued in (`RouteMatch.group`). */
  readonly g: string;
  /** The session data given to `mount`. */
  readonly s: Record<string, unknown>;
  /** The flash the dead render showed (from a redirect), handed on to the first connected mount. */
  readonly f?: Record<string, string>;
}
