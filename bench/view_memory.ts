/**
 * What one connected live view of the deploy demo costs the server, by kind of object: the load harness's
 * server and fake browsers (`bench/load/`), N clients connected, a heap snapshot, 1,000 more, a second
 * snapshot; the difference over the 1,000 is each connection's share, summed by constructor (or closure, or
 * V8-internal type), largest first.
 *
 *   npm run bench:memory                           N = 2,000, then 1,000 more
 *   npm run bench:memory -- --clients 10000        N = 10,000
 *   options: --extra E (1,000), --top K (20 kinds), --keep (leave the snapshots in their directory)
 *
 * Apart from the heap: the server's RSS per view over the idle server at N (read settled, before any
 * snapshot, as `bench:load` reads it), and V8's young generation (new space) at both points, because it
 * grows to a working size while clients connect and then stays, whatever N is: a fixed share in RSS, not a
 * per-view cost. Snapshots force a full collection and hold only live objects, so their difference has no
 * young generation and no garbage in it.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { machine, sleep } from "./lib.js";
import { closeGenerators, type Generator, startGenerators } from "./load/generator.js";
import { diffKinds, type KindDelta, readKinds } from "./load/heap-snapshot.js";
import { say } from "./load/log.js";
import { commit } from "./load/machine.js";
import { defaultWorkers, parseArgs } from "./load/options.js";
import { resultsDir } from "./load/paths.js";
import { pinSelf } from "./load/processes.js";
import { writeJson } from "./load/result.js";
import { type ServerHandle, startServer } from "./load/server.js";
import { readStats, type Stats, settle } from "./load/server-stats.js";

const KB = 1024;
const MiB = 2 ** 20;

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const n = Number(arg(argv, "clients") ?? 2000);
  const extra = Number(arg(argv, "extra") ?? 1000);
  const top = Number(arg(argv, "top") ?? 20);
  const keep = argv.includes("--keep");
  const total = n + extra;
  const opts = { ...parseArgs(argv), clients: total, workers: defaultWorkers(total), out: null };
  const dir = mkdtempSync(join(tmpdir(), "cinder-heap-"));
  if (opts.pin) pinSelf();
  console.log(
    `${machine()}\ncommit ${commit()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const server = await startServer(opts, null, dir);
  const generators: Generator[] = [];
  try {
    await startGenerators(opts, server.target, generators);
    await sleep(300);
    const base = await readStats(server.target);
    const atN = await connect(generators, (g) => Math.round((g.clients * n) / total), server);
    const first = await snapshot(server, dir, 1);
    const atMore = await connect(generators, (g) => g.clients, server);
    const second = await snapshot(server, dir, 2);
    say(`reading the snapshots (${dir})`);
    const added = atMore.joined - atN.joined;
    const kinds = diffKinds(readKinds(first), readKinds(second), added);
    report({ n: atN.joined, added, base, atN: atN.stats, atMore: atMore.stats, kinds, top });
    if (!keep) rmSync(dir, { recursive: true, force: true });
  } finally {
    await closeGenerators(generators, true);
    await server.stop();
  }
}

/** Every generator connects up to its `upTo`; resolves, settled, with how many views are joined. */
async function connect(
  generators: Generator[],
  upTo: (g: Generator) => number,
  server: ServerHandle,
): Promise<{ joined: number; stats: Stats }> {
  const done = await Promise.all(
    generators.map((g) => g.ask({ type: "connect", upTo: upTo(g) }, "connected")),
  );
  const failed = done.reduce((a, c) => a + c.failed, 0);
  if (server.exited()) throw new Error(`the server exited: ${server.log.join("\n")}`);
  const stats = await settle(server.target);
  // The server's count, not the clients': a client that joined and was then closed holds nothing there.
  const joined = stats.connections;
  say(`${joined} views connected (${failed} failed to join), server RSS ${(stats.rss / MiB).toFixed(1)} MiB`);
  return { joined, stats };
}

/** Signals the server to write snapshot `seq` and waits for the file (10 min at most: 10,000 views is slow). */
async function snapshot(server: ServerHandle, dir: string, seq: number): Promise<string> {
  const path = join(dir, `${seq}.heapsnapshot`);
  server.signal("SIGUSR2");
  const deadline = Date.now() + 600_000;
  while (!existsSync(path)) {
    if (server.exited() || Date.now() > deadline) throw new Error(`heap snapshot ${seq} was not written`);
    await sleep(250);
  }
  say(`heap snapshot ${seq} written`);
  return path;
}

interface Report {
  n: number;
  added: number;
  base: Stats;
  atN: Stats;
  atMore: Stats;
  kinds: KindDelta[];
  top: number;
}

function young(st: Stats): number {
  return st.heapSpaces?.new_space?.size ?? Number.NaN;
}

function report(r: Report): void {
  const heapPerConn = r.kinds.reduce((a, k) => a + k.self, 0);
  const rssPerView = (r.atN.rss - r.base.rss) / r.n;
  const youngGrowth = young(r.atN) - young(r.base);
  console.log(
    `\nper connection, ${r.added} added to ${r.n} (heap snapshot diff; self size, top ${r.top} kinds):`,
  );
  console.log(`${"kind".padEnd(50)} ${"count".padStart(7)} ${"bytes".padStart(8)}`);
  for (const k of r.kinds.slice(0, r.top))
    console.log(`${k.kind.padEnd(50)} ${k.count.toFixed(2).padStart(7)} ${k.self.toFixed(0).padStart(8)}`);
  console.log(
    `${"live heap per connection (every kind)".padEnd(50)} ${"".padStart(7)} ${heapPerConn.toFixed(0).padStart(8)}`,
  );
  console.log(
    `\nserver RSS per view at ${r.n} over the idle server: ${(rssPerView / KB).toFixed(2)} KB` +
      ` (RSS ${(r.base.rss / MiB).toFixed(1)} -> ${(r.atN.rss / MiB).toFixed(1)} MiB)`,
  );
  console.log(
    `young generation (new space): ${(young(r.base) / MiB).toFixed(1)} MiB idle, ${(young(r.atN) / MiB).toFixed(1)} MiB at ${r.n},` +
      ` ${(young(r.atMore) / MiB).toFixed(1)} MiB at ${r.n + r.added}: a fixed share of` +
      ` ${(youngGrowth / r.n / KB).toFixed(2)} KB per view at ${r.n};` +
      ` RSS per view without it ${((rssPerView - youngGrowth / r.n) / KB).toFixed(2)} KB`,
  );
  const path = join(resultsDir, `view-memory-${r.n}.json`);
  writeJson(path, {
    bench: "memory per connected view",
    date: new Date().toISOString(),
    machine: machine(),
    commit: commit(),
    loadAverage: loadavg(),
    views: r.n,
    added: r.added,
    rssPerViewBytes: Math.round(rssPerView),
    youngBytes: { idle: young(r.base), atN: young(r.atN), atMore: young(r.atMore) },
    heapPerConnectionBytes: Math.round(heapPerConn),
    kinds: r.kinds
      .slice(0, 40)
      .map((k) => ({ kind: k.kind, count: +k.count.toFixed(3), self: Math.round(k.self) })),
  });
  console.log(`\nwrote ${path}`);
}

await main(process.argv.slice(2));
process.exit(0);
