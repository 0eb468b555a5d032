/**
 * What carries a runtime's signals to the runtimes of other nodes: `send`, `call`, `cast`, monitors, links
 * and global names to processes elsewhere. `@cinder/actors` only defines it; `@cinder/pubsub` provides one
 * over its adapter (`PubSub.start({ distribution: true })`), and any other carrier may, if it keeps to this
 * contract:
 *
 * - `send` turns the frame into bytes synchronously and throws, before anything is sent, for
 *   a frame they cannot carry (a function, a class instance, past a size limit). Frames are plain data:
 *   arrays, strings, numbers, `Pid`s and the users' messages.
 * - Frames from this node to one node arrive in the order they were sent. Any may be lost (a partition, an
 *   outage): nothing is resent. The runtime numbers its frames, so it drops duplicates and notices losses
 *   (then it resets the link: see `TransportHost.claimed`).
 * - What arrives from another node is untrusted: the carrier checks it (size, signature) before handing it
 *   to `TransportHost.receive`, which checks the frame itself and drops, counted, what is malformed.
 * - The carrier says which nodes are up (`nodeUp`) and when one stops being so (`nodeDown`): a node that
 *   stopped answering, or a new incarnation of it (a new `creation`).
 */
export interface Transport {
  /** Sends `frame` to `node`. Throws for a frame it cannot carry; an unknown or down node drops it. */
  send(node: string, frame: unknown): void;
}

/** What `Runtime.distribute` gives back to the transport: where frames and node news go. */
export interface TransportHost {
  /** A frame from another node (checked here: a malformed one is dropped and counted). */
  receive(frame: unknown): void;
  /** `node` (incarnation `creation`) is up: it answers heartbeats. */
  nodeUp(node: string, creation: number): void;
  /** `node` is down: it stopped answering, said goodbye, or came back as another incarnation. */
  nodeDown(node: string): void;
  /** The transport stops: every other node is down for this one. */
  close(): void;
  /**
   * The frames this node has sent to each node so far, with the incarnation of that node they went to. A
   * heartbeat carries them, so that the node at the other end can tell (with `claimed`) when the last
   * frames were lost, which no later frame would reveal. The carrier passes a count on only to the
   * incarnation it names: a node restarted under the same name starts counting afresh.
   */
  sentCounts(): Record<string, SentCount>;
  /** `node` says (in its heartbeat) it has sent this incarnation of this node `count` frames. */
  claimed(node: string, count: number): void;
}

/** `[creation, count]`: `count` frames sent to the incarnation `creation` of a node. */
export type SentCount = readonly [creation: number, count: number];
