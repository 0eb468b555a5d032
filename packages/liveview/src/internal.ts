/**
 * `@cinder/liveview/internal`: engine parts that an application does not need, for the package's own
 * benchmarks and tests. Not a stable API: it changes with the engine.
 */

export { decodeParams, decodeTarget, encodeParams } from "./params.js";
export { type Diff, type DiffExtras, DiffTracker } from "./render/diff.js";
export { Keyed, renderDynamic } from "./render/rendered.js";
export { type RouteMatch, Router } from "./router.js";
export { SALT, Signer, type TokenError, type Verified } from "./token.js";
export { fastPathWrites, sendText } from "./transport/ws_write.js";
