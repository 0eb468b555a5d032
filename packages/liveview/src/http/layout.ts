import { html, type Rendered, type Safe } from "../render/rendered.js";

/** What the endpoint hands a {@link Layout} for each page. */
export interface Page {
  /** The page title: the view's `socket.pageTitle`, else the endpoint's `title`. */
  readonly title: string;
  /** The CSRF token for this page (already in {@link head}; here for forms that post elsewhere). */
  readonly csrfToken: string;
  /** Everything `<head>` needs: the CSRF meta tag, `<title>`, and the client's scripts (deferred). */
  readonly head: Safe;
  /** The live view's container, with the dead-rendered view inside. */
  readonly content: Safe;
}

/**
 * The page around a live view. Put `page.head` inside `<head>` and `page.content` where the view goes;
 * return an `html` template (or a string of trusted HTML).
 */
export type Layout = (page: Page) => Rendered | string;

/** A minimal HTML5 page (with an empty icon, so browsers do not ask for /favicon.ico). */
export const defaultLayout: Layout = (page) =>
  html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${page.head}
</head>
<body>
${page.content}
</body>
</html>
`;
