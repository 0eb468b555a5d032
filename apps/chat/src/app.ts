import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Supervisor } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint, type OnMount } from "@cinder/liveview";
import { Presence, PubSub, redis } from "@cinder/pubsub";
import type { ChatConfig } from "./config.js";
import { startHistory } from "./history.js";
import { LoginView } from "./login_view.js";
import { roomView } from "./room_view.js";
import { serveUpload } from "./uploads.js";
import { checkName, signUser, USER_COOKIE, userFromCookie } from "./user_cookie.js";

/** A running chat node. */
export interface Chat {
  readonly endpoint: Endpoint;
  readonly port: number;
  stop(): Promise<void>;
}

const ASSETS = fileURLToPath(new URL("../assets", import.meta.url));

// Rooms are for people who gave a name: the hook runs before each room's mount, over HTTP and over the
// websocket; without a user it sends the browser to the login page, with a flash saying why.
const requireUser: OnMount = (_params, session, socket) => {
  if (typeof session.user !== "string" || session.user === "") {
    socket.putFlash("error", "Pick a name first").redirect("/login");
    return { halt: true };
  }
};

/** Starts a chat node: PubSub (local or Redis), Presence, the message history, the endpoint and its server. */
export async function startChat(cfg: ChatConfig): Promise<Chat> {
  mkdirSync(cfg.uploadsDir, { recursive: true });
  const logger = createLogger();
  const pubsub = await PubSub.start({
    name: "chat",
    node: cfg.node,
    ...(cfg.pubsub === "redis" ? { adapter: redis({ url: cfg.redisUrl, prefix: cfg.redisPrefix }) } : {}),
  });
  const presence = Presence.start({ pubsub, name: "chat" });
  const supervisor = Supervisor.start({ children: [{ id: "history", start: () => startHistory(pubsub) }] });
  const endpoint = createEndpoint({
    routes: [
      { name: "public", routes: { "/login": LoginView } },
      {
        name: "rooms",
        onMount: requireUser,
        session: (req) => ({ user: userFromCookie(cfg.secret, req.headers.cookie) ?? "" }),
        routes: {
          "/": roomView({ pubsub, presence, uploadsDir: cfg.uploadsDir }),
          "/rooms/:room": roomView({ pubsub, presence, uploadsDir: cfg.uploadsDir }),
        },
      },
    ],
    pubsub,
    secret: cfg.secret,
    title: "Cinder chat",
    logger,
    static: ASSETS,
    client: { module: "/app.js", stylesheets: ["/app.css"] },
    liveReload: process.env.NODE_ENV === "development" && { watch: [ASSETS] },
  });
  const server: Server = createServer((req, res) =>
    endpoint.handler(req, res, () => appRoutes(req, res, cfg)),
  );
  server.on("upgrade", endpoint.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(cfg.port, resolve));
  return {
    endpoint,
    port: (server.address() as AddressInfo).port,
    async stop() {
      await endpoint.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await Supervisor.stop(supervisor);
      presence.stop();
      await pubsub.stop();
    },
  };
}

/** What the endpoint does not serve: the login form's POST, the uploaded images, and 404s. */
function appRoutes(req: IncomingMessage, res: ServerResponse, cfg: ChatConfig): void {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "POST" && path === "/session") return void login(req, res, cfg);
  if (req.method === "POST" && path === "/logout") {
    res
      .writeHead(303, {
        location: "/login",
        "set-cookie": `${USER_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`,
      })
      .end();
    return;
  }
  if ((req.method === "GET" || req.method === "HEAD") && path.startsWith("/uploads/"))
    return void serveUpload(req, res, cfg.uploadsDir, path);
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("Not Found");
}

/** The login form's plain POST: a valid name gets the signed cookie and the lobby; anything else the form. */
async function login(req: IncomingMessage, res: ServerResponse, cfg: ChatConfig): Promise<void> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) return void res.writeHead(413).end();
  }
  const name = checkName(new URLSearchParams(body).get("user[name]"));
  if (name === null) return void res.writeHead(303, { location: "/login" }).end();
  res
    .writeHead(303, {
      location: "/rooms/lobby",
      "set-cookie": `${USER_COOKIE}=${signUser(cfg.secret, name)}; Path=/; HttpOnly; SameSite=Lax`,
    })
    .end();
}
