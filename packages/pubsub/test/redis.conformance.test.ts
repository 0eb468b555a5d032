import { redis } from "@cinder/pubsub";
import { describe } from "vitest";
import { REDIS_URL, redisAvailable } from "../../../test/helpers/redis.js";
import { conformance } from "./conformance.js";

const ok = await redisAvailable("the redis adapter conformance suite");

describe.skipIf(!ok)("redis", () => {
  conformance("redis", () => redis({ url: REDIS_URL }), { runs: 25 });
});
