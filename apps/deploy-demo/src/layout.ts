import { html, type Layout } from "@cinder/liveview";

/** The page around the view: its head, a few lines of style, and the view's markup. */
export const layout: Layout = (page) => html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${page.head}
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 34rem; color: #222; }
  button { font: inherit; padding: .5rem 1rem; border-radius: .4rem; border: 0; background: #24292f; color: #fff; cursor: pointer; }
  button[disabled] { opacity: .5; cursor: default; }
  .meta { color: #666; font-size: .9rem; }
  .running { color: #b36b00; } .done { color: #1a7f37; } .failed { color: #cf222e; } .idle { color: #666; }
  table.steps td { padding: .1rem 1.5rem .1rem 0; } table.steps td:last-child { color: #666; font-variant-numeric: tabular-nums; }
  .notice { color: #666; min-height: 1.5em; }
</style>
</head>
<body>
${page.content}
</body>
</html>
`;
