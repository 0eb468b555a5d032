import { type Behaviour, type ExitReason, type Pid, runtime, Supervisor, spawn } from "@cinder/actors";
import { Endpoint } from "@cinder/liveview";
import type { PubSub } from "@cinder/pubsub";
import type { SupervisedObject } from "./supervised_object.js";
import { TRACKER, Tracker, type TrackerOptions } from "./tracker.js";

/** The registered names of the owners of the PubSub and of the endpoint (the tracker's is `TRACKER`). */
export const PUBSUB_OWNER = "deploy-demo.pubsub";
export const ENDPOINT_OWNER = "deploy-demo.endpoint";

/** Restart intensity of the top supervisor: more than this many restarts... */
export const MAX_RESTARTS = 3;
/** ...within this many ms, and the supervisor gives up (the app exits). OTP's and Phoenix's default. */
export const RESTART_PERIOD_MS = 5000;

/** The node's three long-lived parts, in the order they depend on each other. */
export interface NodeParts {
  /** The PubSub, its owner registered as `PUBSUB_OWNER`. */
  pubsubs: SupervisedObject<PubSub>;
  /** What the tracker starts with. */
  tracker: TrackerOptions;
  /** The endpoint, its owner registered as `ENDPOINT_OWNER`. */
  endpoints: SupervisedObject<Endpoint>;
}

/** The running supervision of a node. */
export interface NodeSupervision {
  /** The top supervisor: `pubsub`, `tracker` and `endpoint`, `rest_for_one`. */
  readonly supervisor: Pid;
  /** Settles if the supervisor ends other than through `stop()`: it gave up after too many restarts. */
  readonly failed: Promise<ExitReason>;
  /** Ends the views and closes the websockets, then stops the supervisor and waits for its parts to be disposed of. */
  stop(): Promise<void>;
}

/**
 * Runs the node's three long-lived parts under one `rest_for_one` supervisor, in dependency order, and settles
 * once the first endpoint serves:
 * - `pubsub`: owns the PubSub (its subscription index and, with Redis, its two connections);
 * - `tracker`: the deployment holder, registered as `TRACKER`; it subscribes through the PubSub;
 * - `endpoint`: owns the Endpoint (its websockets, and through them every socket and view process).
 *
 * PubSub and Endpoint are objects, not processes, so each gets a small owning process (see `SupervisedObject`):
 * the object lives exactly as long as its owner. However the owner dies (`exit(pid, "kill")` included), the
 * object is disposed of: the PubSub stops (every subscription dropped, Redis disconnected), the Endpoint
 * closes its websockets with 1001, so clients reconnect. The supervisor then starts a new owner, which makes
 * a new object.
 *
 * Why `rest_for_one`: each child depends on the ones before it. Views subscribe through the PubSub, are
 * tracked by its Presence (and counted by the node's viewer counter beside it) and ask the tracker for the
 * current deploy when they mount. A view left subscribed to a stopped PubSub would never update again, nor
 * be counted by the new PubSub's Presence. Restarting what comes after the child that died makes every client
 * reconnect and mount afresh against the new PubSub and tracker: it takes a moment, and the result is
 * correct. More than `MAX_RESTARTS` restarts within `RESTART_PERIOD_MS` and the supervisor gives up: `failed`
 * settles, and `main.ts` exits non-zero.
 */
export async function superviseNode(parts: NodeParts): Promise<NodeSupervision> {
  const { pubsubs, endpoints } = parts;
  // The tracker starts once there is a PubSub to subscribe through (at once, except after a PubSub restart);
  // calls to it wait in its mailbox meanwhile.
  const tracker: Behaviour<any, unknown, TrackerOptions> = {
    ...Tracker,
    async init(opts) {
      await pubsubs.ready();
      return Tracker.init(opts);
    },
  };
  const supervisor = Supervisor.start({
    strategy: "rest_for_one",
    intensity: MAX_RESTARTS,
    period: RESTART_PERIOD_MS,
    children: [
      { id: "pubsub", start: pubsubs.start },
      { id: "tracker", start: () => spawn(tracker, parts.tracker, { name: TRACKER }) },
      { id: "endpoint", start: endpoints.start },
    ],
  });
  let stopping = false;
  const failed = new Promise<ExitReason>((resolve) => {
    runtime().watch(supervisor, (reason) => {
      if (!stopping) resolve(reason);
    });
  });
  const first = await Promise.race([endpoints.ready(), failed]);
  if (!(first instanceof Endpoint)) throw new Error(`the supervisor failed while starting: ${String(first)}`);

  return {
    supervisor,
    failed,
    async stop() {
      stopping = true;
      await endpoints.current?.close(2000);
      await Supervisor.stop(supervisor);
      await Promise.all([endpoints.disposed(), pubsubs.disposed()]);
    },
  };
}
