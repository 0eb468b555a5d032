import { dashboard } from "@cinder/dashboard";
import type { OnMount, RouteGroup } from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import { mayLook, type StatsAccess } from "./stats_access.js";

// The token is checked once, on the HTTP request of a dashboard page (`?token=`), and signed into that page's
// session; each page's mount, dead and connected, then asks the session.
const requireLook: OnMount = (_params, session, socket) => {
  if (session.mayLook !== true) {
    socket.redirect("/");
    return { halt: true };
  }
};

/**
 * `/dashboard`, under the same rule as the stats paths: open in development and test, behind `STATS_TOKEN`
 * when it is set, absent in production without it.
 */
export function dashboardRoutes(access: StatsAccess, pubsub: PubSub, sockets: () => number): RouteGroup[] {
  if (access.kind === "off") return [];
  return [
    dashboard({
      pubsub,
      sockets,
      onMount: requireLook,
      session: (req) => ({ mayLook: mayLook(req, access) }),
    }),
  ];
}
