import type { Delta, Item, Meta } from "./state.js";

/**
 * What trackers send each other on their internal topic. Everything that arrives is checked by `parseWire`
 * before use: another node is a trust boundary, and a bad message is dropped and counted, never thrown.
 *
 * - `hb`: a heartbeat, every broadcast period, with the sender's clock and its delta since the last one.
 * - `req`: asks the replica `to` for its full partition (sent when a delta was missed or a node is new).
 * - `st`: one chunk of a full partition, `i` of `n`, all at clock `c`.
 * - `bye`: the sender stops; its presences go at once instead of after the down period.
 */
export type Wire =
  | { v: 1; t: "hb"; node: string; id: string; c: number; d: Delta | null }
  | { v: 1; t: "req"; node: string; id: string; to: string }
  | { v: 1; t: "st"; node: string; id: string; to: string; c: number; i: number; n: number; e: Item[] }
  | { v: 1; t: "bye"; node: string; id: string };

/** The limits a received message must keep to. */
export interface WireLimits {
  /** Most presences in one transfer chunk or one delta. */
  maxItems: number;
  /** Most chunks in one transfer. */
  maxChunks: number;
}

const MAX_NAME = 256;
const MAX_TOPIC = 1024;

/** Checks a received message: the message, typed, or a reason it was dropped. */
export function parseWire(m: unknown, limits: WireLimits): Wire | string {
  if (!isRecord(m)) return "not an object";
  if (m.v !== 1) return `unknown version ${String(m.v)}`;
  if (!isName(m.node) || !isName(m.id)) return "bad sender";
  switch (m.t) {
    case "hb": {
      if (!isClock(m.c)) return "bad clock";
      if (m.d === null) return m as Wire;
      const d = m.d;
      if (!isRecord(d) || !isClock(d.from) || !isClock(d.to) || d.from >= d.to || d.to !== m.c) {
        return "bad delta range";
      }
      if (!Array.isArray(d.joins) || !Array.isArray(d.leaves)) return "bad delta";
      if (d.joins.length + d.leaves.length > limits.maxItems) return "delta too large";
      const inRange = (it: unknown) =>
        isItem(it) && it.clock > (d.from as number) && it.clock <= (d.to as number);
      if (!d.joins.every(inRange) || !d.leaves.every(isClock)) return "bad delta item";
      return m as Wire;
    }
    case "req":
      return isName(m.to) ? (m as Wire) : "bad target";
    case "st": {
      if (!isName(m.to) || !isClock(m.c)) return "bad transfer header";
      if (!Number.isSafeInteger(m.n) || (m.n as number) < 1 || (m.n as number) > limits.maxChunks) {
        return "bad chunk count";
      }
      if (!Number.isSafeInteger(m.i) || (m.i as number) < 0 || (m.i as number) >= (m.n as number)) {
        return "bad chunk index";
      }
      if (!Array.isArray(m.e) || m.e.length > limits.maxItems) return "bad chunk size";
      if (!m.e.every((it) => isItem(it) && it.clock <= (m.c as number))) return "bad chunk item";
      return m as Wire;
    }
    case "bye":
      return m as Wire;
    default:
      return "unknown kind";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isName(v: unknown): v is string {
  return typeof v === "string" && v !== "" && v.length <= MAX_NAME;
}

function isClock(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** A presence as it travels: a positive clock, a topic, a key and metadata carrying a `phx_ref`. */
export function isItem(v: unknown): v is Item {
  return (
    isRecord(v) &&
    isClock(v.clock) &&
    v.clock > 0 &&
    typeof v.topic === "string" &&
    v.topic !== "" &&
    v.topic.length <= MAX_TOPIC &&
    typeof v.key === "string" &&
    v.key.length <= MAX_TOPIC &&
    isMeta(v.meta)
  );
}

function isMeta(v: unknown): v is Meta {
  return isRecord(v) && isName(v.phx_ref) && (v.phx_ref_prev === undefined || isName(v.phx_ref_prev));
}

/**
 * Splits a partition into transfer chunks of at most `maxItems` presences and about `maxBytes` of metadata
 * (measured as JSON), so a large cluster's state crosses in pieces no receive limit refuses.
 */
export function chunk(items: Iterable<Item>, maxItems: number, maxBytes: number): Item[][] {
  const out: Item[][] = [];
  let cur: Item[] = [];
  let bytes = 0;
  for (const it of items) {
    const size = JSON.stringify(it.meta).length + it.topic.length + it.key.length + 32;
    if (cur.length > 0 && (cur.length >= maxItems || bytes + size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += size;
  }
  if (cur.length > 0 || out.length === 0) out.push(cur);
  return out;
}
