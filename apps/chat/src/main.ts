// `npm run start:chat`: one node of the chat app. Two nodes over Redis:
//   PUBSUB=redis PORT=4100 NODE_NAME=chat-a npm run start:chat
//   PUBSUB=redis PORT=4101 NODE_NAME=chat-b npm run start:chat
import { startChat } from "./app.js";
import { readChatConfig } from "./config.js";

let cfg: ReturnType<typeof readChatConfig>;
try {
  cfg = readChatConfig(process.env);
} catch (err) {
  console.error(`[error] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const chat = await startChat(cfg);
console.log(`Cinder chat: node ${cfg.node} on http://localhost:${chat.port} (PubSub: ${cfg.pubsub})`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    chat.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
