import { LocalCluster, local } from "@cinder/pubsub";
import { conformance } from "./conformance.js";

// Nodes of one test cluster share one LocalCluster (in-process, no I/O).
const clusters = new Map<string, LocalCluster>();
conformance(
  "local",
  (name) => {
    let c = clusters.get(name);
    if (c === undefined) clusters.set(name, (c = new LocalCluster()));
    return local({ cluster: c });
  },
  { runs: 60 },
);
