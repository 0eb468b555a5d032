/**
 * Nodes of the chat fixture (`test/fixtures/channels/chat.ts`) for the channel tests: a runtime, a PubSub over
 * Redis, a Presence and an endpoint with the chat's user socket at `/socket`, behind a node:http server that
 * also serves a page for browsers (`/?token=...&topic=...`: the official client from `phoenix.min.js` joins the
 * topic, keeps its Presence list in `window.__present` and its chat messages in `window.__messages`, and counts
 * joins, channel errors, socket errors and closes; `reconnect=never` keeps a closed socket closed).
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRuntime, type Runtime } from "@cinder/actors";
import { createEndpoint, createLogger, type Endpoint, type EndpointOptions } from "@cinder/liveview";
import { Presence, PubSub, redis } from "@cinder/pubsub";
import { chatSocket } from "../fixtures/channels/chat.js";
import { SECRET } from "./liveview.js";
import { REDIS_URL } from "./redis.js";

export interface ChatNode {
  name: string;
  rt: Runtime;
  pubsub: PubSub;
  presence: Presence;
  endpoint: Endpoint;
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** The user socket's URL for phoenix.js (`ws://.../socket`). */
  url: string;
  logs: string[];
  /** What the runtime reported (crashes, with their stacks). */
  crashes: string[];
  stop(): Promise<void>;
}

// The bundle that defines the global `Phoenix` (the package's exports map names only its modules).
const PHOENIX_JS = readFileSync(
  new URL("../../node_modules/phoenix/priv/static/phoenix.min.js", import.meta.url),
  "utf8",
);

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>chat</title>
<script src="/phoenix.js"></script></head><body><ul id="present"></ul><script>
const q = new URLSearchParams(location.search);
window.__present = []; window.__messages = []; window.__joined = false; window.__joins = 0;
window.__joinError = null; window.__channelErrors = 0; window.__socketErrors = 0; window.__socketCloses = 0;
const socket = new Phoenix.Socket("/socket", {
  params: { token: q.get("token") },
  rejoinAfterMs: () => 200,
  reconnectAfterMs: () => (q.get("reconnect") === "never" ? 600000 : 200),
});
socket.onError(() => window.__socketErrors++);
socket.onClose(() => window.__socketCloses++);
socket.connect();
const channel = socket.channel(q.get("topic"), {});
const presence = new Phoenix.Presence(channel);
presence.onSync(() => {
  window.__present = presence.list((key, { metas }) => key + "@" + metas[0].node).sort();
  document.getElementById("present").textContent = window.__present.join(",");
});
channel.on("new_msg", (m) => window.__messages.push(m));
channel.onError(() => window.__channelErrors++);
channel.on("presence_state", () => window.__joins++);
channel.join()
  .receive("ok", () => { window.__joined = true; })
  .receive("error", (e) => { window.__joinError = e; });
window.__crash = () => channel.push("crash", {});
window.__say = (body) => new Promise((resolve) => channel.push("new_msg", { body }).receive("ok", resolve));
</script></body></html>`;

/** Starts node `name` of the chat cluster `cluster` (one per test file, so runs sharing a Redis stay apart). */
export async function startChatNode(
  name: string,
  cluster: string,
  opts: Partial<EndpointOptions> = {},
): Promise<ChatNode> {
  const crashes: string[] = [];
  const logs: string[] = [];
  const rt = createRuntime({ node: name, logger: (level, msg) => crashes.push(`[${level}] ${msg}`) });
  const pubsub = await PubSub.start({
    name: cluster,
    node: name,
    runtime: rt,
    adapter: redis({ url: REDIS_URL }),
  });
  const presence = Presence.start({ pubsub, name: cluster, runtime: rt, broadcastPeriodMs: 200 });
  const endpoint = createEndpoint({
    routes: {},
    pubsub,
    secret: SECRET,
    runtime: rt,
    logger: createLogger({ level: "debug", write: (line) => logs.push(line) }),
    sockets: { "/socket": chatSocket(presence, name) },
    ...opts,
  });
  const server: Server = createServer((req, res) =>
    endpoint.handler(req, res, () => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/phoenix.js") res.writeHead(200, { "content-type": "text/javascript" }).end(PHOENIX_JS);
      else if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      else res.writeHead(404).end();
    }),
  );
  server.on("upgrade", endpoint.handleUpgrade);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    rt,
    pubsub,
    presence,
    endpoint,
    base: `http://127.0.0.1:${port}`,
    url: `ws://127.0.0.1:${port}/socket`,
    logs,
    crashes,
    stop: async () => {
      await endpoint.close(2000);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      presence.stop();
      await pubsub.stop();
    },
  };
}
