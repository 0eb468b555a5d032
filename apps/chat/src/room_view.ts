import { randomBytes } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { self, sendAfter } from "@cinder/actors";
import {
  defineLiveView,
  html,
  JS,
  type LiveView,
  link,
  liveFileInput,
  liveImgPreview,
  type Rendered,
  uploadErrors,
} from "@cinder/liveview";
import type { Presence, PubSub } from "@cinder/pubsub";
import { historyPage } from "./history.js";
import {
  type ChatMessage,
  isMessageBroadcast,
  isRoom,
  MAX_TEXT,
  type MessageBroadcast,
  ROOMS,
  type Room,
  roomTopic,
} from "./message.js";

/** Messages per page of the stream (the first, and each older one loaded by scrolling up). */
const PAGE = 30;
/** How long "is typing" lasts after the last keystroke. */
const TYPING_MS = 3000;

interface Here {
  readonly name: string;
  readonly typing: boolean;
}

interface Assigns {
  user: string;
  room: Room;
  node: string;
  here: Here[];
  /** The id of the oldest message shown, to load the page before it; null when the start is reached. */
  oldest: string | null;
  text: string;
  typingSince: number;
}

type Message = MessageBroadcast | { event: "presence_diff" } | { stopTyping: number };

const presenceTopic = (room: Room) => `chat:presence:${room}`;

/** The chat room: a message stream, image uploads, presence and typing, live on every node. */
export function roomView(deps: {
  pubsub: PubSub;
  presence: Presence;
  uploadsDir: string;
}): LiveView<Assigns, Message> {
  const { pubsub, presence, uploadsDir } = deps;
  const here = (room: Room): Here[] =>
    Object.entries(presence.list(presenceTopic(room)))
      .map(([name, { metas }]) => ({
        name,
        typing: metas.some((m) => (m as { typing?: boolean }).typing === true),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));

  return defineLiveView<Assigns, Message>({
    name: "RoomView",

    async mount(params, session, socket) {
      const room = isRoom(params.room) ? params.room : null;
      if (room === null) {
        socket.putFlash("error", "No such room").pushNavigate("/rooms/lobby");
        return;
      }
      const user = String(session.user);
      if (socket.connected) {
        pubsub.subscribe(roomTopic(room));
        pubsub.subscribe(presenceTopic(room));
        presence.track(self(), presenceTopic(room), user, { typing: false, node: pubsub.nodeName() });
      }
      const page = await historyPage(room, null, PAGE);
      socket.assign({
        user,
        room,
        node: pubsub.nodeName(),
        here: here(room),
        oldest: page.length === PAGE ? page[0].id : null,
        text: "",
        typingSince: 0,
      });
      socket.stream("messages", page, { domId: (m: ChatMessage) => `m-${m.id}` });
      socket.allowUpload("photo", {
        accept: [".png", ".jpg", ".jpeg", ".gif", ".webp"],
        maxEntries: 1,
        maxFileSize: 5_000_000,
      });
      socket.pageTitle = `#${room} · Cinder chat`;
    },

    events: {
      async typing(value, socket) {
        const text = typeof value.text === "string" ? value.text.slice(0, MAX_TEXT) : "";
        const now = Date.now();
        socket.assign({ text, typingSince: now });
        presence.update(self(), presenceTopic(socket.assigns.room), socket.assigns.user, (m) => ({
          ...m,
          typing: text !== "",
        }));
        sendAfter(self(), { stopTyping: now }, TYPING_MS);
      },
      async send(value, socket) {
        const { room, user } = socket.assigns;
        const text = typeof value.text === "string" ? value.text.trim().slice(0, MAX_TEXT) : "";
        const images = await socket.consumeUploadedEntries("photo", async ({ path }, entry) => {
          // Our own name for the file (never the client's), with the extension the upload was accepted for.
          const ext = extname(entry.clientName).toLowerCase().replace(".jpeg", ".jpg");
          const file = `${randomBytes(12).toString("base64url")}${ext}`;
          await copyFile(path, join(uploadsDir, file));
          return `/uploads/${file}`;
        });
        if (text === "" && images.length === 0) return;
        const message: ChatMessage = {
          id: randomBytes(9).toString("base64url"),
          room,
          user,
          text,
          image: images[0] ?? null,
          at: Date.now(),
          node: pubsub.nodeName(),
        };
        await pubsub.broadcast(roomTopic(room), {
          topic: roomTopic(room),
          event: "message",
          payload: message,
        });
        socket.assign({ text: "" });
        presence.update(self(), presenceTopic(room), user, (m) => ({ ...m, typing: false }));
      },
      cancel(value, socket) {
        socket.cancelUpload("photo", String(value.ref));
      },
      async "load-more"(_value, socket) {
        const { room, oldest } = socket.assigns;
        if (oldest === null) return;
        const page = await historyPage(room, oldest, PAGE);
        // Each older message goes to the top: the newest of the page first, so they end up in order.
        for (const m of [...page].reverse()) socket.streamInsert("messages", m, { at: 0 });
        socket.assign({ oldest: page.length === PAGE ? page[0].id : null });
      },
    },

    handleInfo(msg, socket) {
      if ("stopTyping" in msg) {
        if (msg.stopTyping === socket.assigns.typingSince)
          presence.update(self(), presenceTopic(socket.assigns.room), socket.assigns.user, (m) => ({
            ...m,
            typing: false,
          }));
        return;
      }
      if (msg.event === "presence_diff") {
        socket.assign({ here: here(socket.assigns.room) });
        return;
      }
      if (isMessageBroadcast(msg) && msg.payload.room === socket.assigns.room)
        socket.streamInsert("messages", msg.payload);
    },

    render: ({ user, room, node, here: people, oldest, text, streams, uploads, flash }) => {
      const photo = uploads!.photo!;
      return html`<div class="chat">
  <aside>
    <h2>Rooms</h2>
    <nav>${ROOMS.map((r) => link({ navigate: `/rooms/${r}`, attrs: { class: r === room ? "on" : "" } }, `#${r}`))}</nav>
    <h2>Here <span class="count">${people.length}</span></h2>
    <ul id="here">${people.map((p) => html`<li>${p.name}${p.name === user ? " (you)" : ""}${p.typing ? html` <em>typing…</em>` : ""}</li>`)}</ul>
    <p class="muted">You are <b>${user}</b> · node ${node}</p>
  </aside>
  <section>
    <header><h1>#${room}</h1><button class="ghost" phx-click="${JS.show({ to: "#room-info", transition: "fade-in" })}">Room info</button></header>
    <p class="flash" role="status">${flash.info ?? ""}${flash.error ?? ""}</p>
    <ol id="messages" phx-update="stream" phx-hook="ScrollDown" ${oldest === null ? "" : html`phx-viewport-top="load-more"`}>
      ${streams.messages.map(([id, m]) => message(id, m, user))}
    </ol>
    <form id="composer" phx-change="typing" phx-submit="send" phx-drop-target="${photo.ref}">
      ${photo.entries.map(
        (e) => html`<figure class="preview">${liveImgPreview(e, { height: "64" })}
          <progress value="${e.progress}" max="100"></progress>
          ${uploadErrors(photo, e).map((err) => html`<small class="error">${errorText(err)}</small>`)}
          <button type="button" class="ghost" phx-click="cancel" phx-value-ref="${e.ref}" aria-label="Remove">×</button></figure>`,
      )}
      ${uploadErrors(photo).map((err) => html`<small class="error">${errorText(err)}</small>`)}
      <input type="text" name="text" value="${text}" placeholder="Message #${room}" autocomplete="off" maxlength="${MAX_TEXT}">
      <label class="attach" title="Attach an image">Image${liveFileInput(photo)}</label>
      <button>Send</button>
    </form>
  </section>
  <div id="room-info" class="modal" style="display: none" phx-click-away="${JS.hide({ to: "#room-info" })}">
    <h2>#${room}</h2>
    <p>${people.length} here now. Messages are kept on each node (the last 500 per room) and reach every node
      through PubSub; images are shared through the uploads folder.</p>
    <button phx-click="${JS.hide({ to: "#room-info" })}">Close</button>
  </div>
</div>`;
    },
  });
}

function message(id: string, m: ChatMessage, me: string): Rendered {
  return html`<li id="${id}" class="${m.user === me ? "msg mine" : "msg"}">
  <b>${m.user}</b> <time datetime="${new Date(m.at).toISOString()}">${new Date(m.at).toISOString().slice(11, 16)}</time>
  ${m.text === "" ? "" : html`<p>${m.text}</p>`}
  ${m.image === null ? "" : html`<img src="${m.image}" alt="an image from ${m.user}" loading="lazy">`}
</li>`;
}

function errorText(err: string): string {
  return err === "tooLarge"
    ? "larger than 5 MB"
    : err === "notAccepted"
      ? "not an image"
      : err === "tooMany"
        ? "one image at a time"
        : err;
}
