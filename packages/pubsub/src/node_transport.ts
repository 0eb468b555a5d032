import type { Transport } from "@cinder/actors";
import type { Adapter } from "./adapter.js";
import { jsonCodec } from "./codec.js";

/** The topic distribution frames travel on, always to one node (dispatched to the runtime, never to subscribers). */
export const FRAME_TOPIC = "cinder:dist";

/**
 * The runtime's transport over a pubsub adapter: each frame is a direct broadcast to its node, so it travels
 * on that node's channel, encoded by the adapter's codec (which throws before sending what it cannot carry)
 * and checked on arrival like every direct broadcast (size limits, cluster key). One publisher per node and
 * one channel per destination keep frames from one node to another in order.
 */
export class NodeTransport implements Transport {
  /** Frames the adapter could not hand over (an outage). */
  failed = 0;

  constructor(private readonly adapter: Adapter) {}

  send(node: string, frame: unknown): void {
    // An adapter that passes messages by reference (the local one) gets a copy, made by the codec that the
    // others would use: what could not cross a real network fails here too, and nothing is shared.
    const data = this.adapter.serializes === true ? frame : jsonCodec.decode(jsonCodec.encode(frame));
    const r = this.adapter.directBroadcast(node, FRAME_TOPIC, data, null);
    r?.catch(() => {
      this.failed++;
    });
  }
}
