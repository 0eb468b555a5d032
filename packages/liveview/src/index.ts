export { type Diff, type DiffExtras, DiffTracker, type PushEvent } from "./diff.js";
export { escapeHtml } from "./escape.js";
export {
  type Dynamic,
  html,
  Keyed,
  keyed,
  Rendered,
  raw,
  renderDynamic,
  renderToString,
  Safe,
} from "./rendered.js";
