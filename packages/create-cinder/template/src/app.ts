import { Supervisor } from "@cinder/actors";
import { createEndpoint, type Endpoint } from "@cinder/liveview";
import { Presence, PubSub } from "@cinder/pubsub";
import { boardView } from "./board_view.js";
import { startStore } from "./store.js";
// cinder:imports

/** What {@link startApp} needs: everything else has a default. */
export interface AppOptions {
  /** Signs the pages' session tokens: 32+ secret characters, the same on every node. */
  readonly secret: string;
  /** The port to listen on; 0 picks a free one (tests). */
  readonly port: number;
  /** This node's name in the cluster (default "local"). */
  readonly node?: string;
}

/** A running app. */
export interface App {
  readonly endpoint: Endpoint;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the app: a PubSub (local: one node; pass `adapter: redis()` to `PubSub.start` for many), a Presence
 * replica for "who is here", the items store under a supervisor, and the endpoint serving the board.
 */
export async function startApp(opts: AppOptions): Promise<App> {
  const pubsub = await PubSub.start({ name: "__APP_NAME__", node: opts.node });
  const presence = Presence.start({ pubsub, name: "__APP_NAME__" });
  const supervisor = Supervisor.start({
    strategy: "one_for_one",
    children: [
      { id: "store", start: () => startStore(pubsub) },
      // cinder:children
    ],
  });
  // cinder:views
  const endpoint = createEndpoint({
    routes: {
      "/": boardView({ pubsub, presence }),
      // cinder:routes
    },
    pubsub,
    secret: opts.secret,
    title: "__APP_TITLE__",
    // assets/ is served as it is; app.js gives the client its hooks, app.css the pages their look.
    static: "assets",
    client: { module: "/app.js", stylesheets: ["/app.css"] },
    // In development, pages reload when the dev loop restarts the app, and swap app.css when it changes.
    liveReload: process.env.NODE_ENV !== "production" && { watch: ["assets"] },
  });
  const port = await endpoint.listen(opts.port);
  return {
    endpoint,
    port,
    async stop() {
      await endpoint.close();
      await Supervisor.stop(supervisor);
      presence.stop();
      await pubsub.stop();
    },
  };
}
