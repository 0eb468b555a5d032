import type { Pid } from "@cinder/actors";

/** How the deploy processes reach the topic: the endpoint's broadcast functions, as in the article. */
export interface Bus {
  readonly node: string;
  subscribe(pid: Pid, topic: string): void;
  broadcast(topic: string, event: string, payload: unknown): void;
  broadcastFrom(from: Pid, topic: string, event: string, payload: unknown): void;
  directBroadcast(node: string, topic: string, event: string, payload: unknown): void;
  localBroadcast(topic: string, event: string, payload: unknown): void;
  log(message: string): void;
  /** Drops a message that failed its guard: counted (the node's `/stats.json`) and logged once a minute per kind. */
  reject(what: string, why: string): void;
}

/** A Phoenix.Socket.Broadcast: what a subscriber gets for `broadcast(topic, event, payload)`. */
export interface Broadcast<P = unknown> {
  topic: string;
  event: string;
  payload: P;
}
