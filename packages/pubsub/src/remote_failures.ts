import type { Logger } from "@cinder/actors";
import { channels } from "./diagnostics.js";
import type { BroadcastResult } from "./pubsub_options.js";

const OK: BroadcastResult = Object.freeze({ ok: true });
const OK_PROMISE: Promise<BroadcastResult> = Promise.resolve(OK);

/**
 * What a PubSub makes of its adapter's answers: each broadcast's promise becomes a `BroadcastResult` (never a
 * rejection), failures are counted, and an outage is logged once when it starts and once when it ends, not
 * once per broadcast.
 */
export class RemoteFailures {
  /** Broadcasts that could not reach the other nodes, since start. */
  count = 0;
  /** Failures since the last broadcast that got through (0: no outage). */
  private streak = 0;

  constructor(
    private readonly pubsub: string,
    private readonly node: string,
    private readonly logger: Logger,
    private readonly label: string,
  ) {}

  /** The result of a broadcast the adapter is handing over (`undefined`: it had nothing to hand over). */
  settle(pending: Promise<unknown> | undefined, topic: string): Promise<BroadcastResult> {
    if (pending === undefined) {
      if (this.streak > 0) this.recovered();
      return OK_PROMISE;
    }
    return pending.then(this.onSent, (err) => this.onFailed(err, topic));
  }

  private readonly onSent = (): BroadcastResult => {
    if (this.streak > 0) this.recovered();
    return OK;
  };

  private onFailed(err: unknown, topic: string): BroadcastResult {
    const error = err instanceof Error ? err : new Error(String(err));
    this.count++;
    if (this.streak++ === 0) {
      this.logger.log(
        "warn",
        `${this.label}: a broadcast could not reach the other nodes (${error.message}); local subscribers ` +
          "still get every message; further failures are counted in stats().remoteFailures until one gets through",
      );
    }
    if (channels.remoteFailure.hasSubscribers) {
      channels.remoteFailure.publish({ pubsub: this.pubsub, node: this.node, topic, error });
    }
    return { ok: false, error };
  }

  private recovered(): void {
    this.logger.log(
      "info",
      `${this.label}: broadcasts reach the other nodes again (${this.streak} failed meanwhile)`,
    );
    this.streak = 0;
  }
}

/** The result of a broadcast that needed no adapter (a direct broadcast to this node itself). */
export const SENT: Promise<BroadcastResult> = OK_PROMISE;
