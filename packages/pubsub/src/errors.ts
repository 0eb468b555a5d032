/**
 * Thrown by the `...OrThrow` variants when the message could not be handed to the other nodes. Local
 * subscribers got it anyway: Cinder never drops the local half of a broadcast because the remote half failed.
 */
export class BroadcastError extends Error {
  override name = "BroadcastError";
  constructor(
    message: string,
    /** The adapter's error (a Redis connection error, for instance). */
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Thrown before anything is sent when a message holds a value the codec cannot carry to another node. */
export class CodecError extends TypeError {
  override name = "CodecError";
  constructor(
    /** What could not be carried, without the path. */
    readonly reason: string,
    /** Where in the message, as property keys from the root (`["payload", "user", "save"]`). */
    readonly path: readonly (string | number)[] = [],
    /** The limit the message is past, when that is the reason (see `ReceiveLimits`). */
    readonly limit?: "maxEnvelopeBytes" | "maxDepth" | "maxBigIntLength" | "maxBytesLength",
  ) {
    super(`${reason}${path.length > 0 ? ` at ${formatPath(path)}` : ""}`);
  }
}

/** Thrown by `PubSub.start` when another live node of the same cluster already uses this node name. */
export class NodeNameTakenError extends Error {
  override name = "NodeNameTakenError";
  constructor(
    readonly node: string,
    readonly cluster: string,
  ) {
    super(
      `node name ${JSON.stringify(node)} is already used by a live node of cluster ${JSON.stringify(cluster)}; ` +
        "every node needs its own name (PubSub.start({ node }))",
    );
  }
}

function formatPath(path: readonly (string | number)[]): string {
  let s = "message";
  for (const k of path)
    s += typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return s;
}
