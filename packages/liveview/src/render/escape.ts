// One non-global regex both answers "is there anything to escape?" and tells where the first such
// character is, so the common clean string costs a single scan and no allocation.
const SPECIAL = /[&<>"']/;

/**
 * Escapes `& < > " '` so that `s` can be placed in HTML text or in a quoted attribute value.
 * Returns `s` itself (no copy) when it contains none of them.
 */
export function escapeHtml(s: string): string {
  const first = SPECIAL.exec(s);
  if (first === null) return s;
  let out = "";
  let last = 0;
  for (let i = first.index; i < s.length; i++) {
    let entity: string;
    switch (s.charCodeAt(i)) {
      case 38: // &
        entity = "&amp;";
        break;
      case 60: // <
        entity = "&lt;";
        break;
      case 62: // >
        entity = "&gt;";
        break;
      case 34: // "
        entity = "&quot;";
        break;
      case 39: // '
        entity = "&#39;";
        break;
      default:
        continue;
    }
    if (last !== i) out += s.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return last === s.length ? out : out + s.slice(last);
}
