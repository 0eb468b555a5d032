/** Options for a `DropCounter`. */
export interface DropCounterOptions {
  /** At most one log line per kind in this many ms (default 60 000). */
  intervalMs?: number;
  /** The clock (default `Date.now`). */
  now?: () => number;
}

const MAX_DETAIL = 160;

/**
 * Counts input that was dropped (a message from another node that failed validation), by kind, and logs it at
 * most once per kind per interval: a flood of bad messages costs a counter increment each, not a log line. The
 * line that ends a quiet interval says how many went unlogged meanwhile. Details are cut short and control
 * characters escaped, as they may quote what the sender chose.
 */
export class DropCounter {
  private readonly byKind = new Map<string, number>();
  private readonly lastLogged = new Map<string, { at: number; count: number }>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  /** @param log receives each line and its kind (for a logger's `warn`, typically) */
  constructor(
    private readonly log: (line: string, kind: string) => void,
    opts: DropCounterOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Counts one drop of `kind`, logging `detail` unless a line for `kind` was logged within the interval. */
  drop(kind: string, detail: string): void {
    const count = (this.byKind.get(kind) ?? 0) + 1;
    this.byKind.set(kind, count);
    const at = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && at - last.at < this.intervalMs) return;
    const unlogged = last === undefined ? 0 : count - last.count - 1;
    this.lastLogged.set(kind, { at, count });
    this.log(
      `dropped (${kind}): ${clean(detail)}; ${count} so far` +
        `${unlogged > 0 ? `, ${unlogged} not logged since the last line` : ""}` +
        ` (at most one line per kind every ${Math.round(this.intervalMs / 1000)} s)`,
      kind,
    );
  }

  /** How many of each kind were dropped so far. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.byKind);
  }

  /** How many were dropped so far, all kinds. */
  total(): number {
    let n = 0;
    for (const c of this.byKind.values()) n += c;
    return n;
  }
}

function clean(text: string): string {
  const cut = text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}...` : text;
  let out = "";
  for (const ch of cut) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `\\u${c.toString(16).padStart(4, "0")}` : ch;
  }
  return out;
}
