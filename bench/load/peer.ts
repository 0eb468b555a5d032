/**
 * The peers: the same deploy demo written for another framework (`bench/peers/<name>`, its own package with
 * its own dependencies, installed there the first time the bench needs it, never a dependency of Cinder),
 * measured by the same harness right after Cinder's demo, and the two runs side by side.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tableLines } from "../lib.js";
import type { Log } from "./log.js";
import type { Peer } from "./options.js";
import { root } from "./paths.js";
import type { LoadResult } from "./result.js";

const peerDir = (peer: Peer): string => join(root, "bench", "peers", peer);

/** The peer's server script, run by Node as the demo is (it prints `on http://localhost:PORT`). */
export function peerScript(peer: Peer): string {
  return join(peerDir(peer), "server.mjs");
}

/** Installs the peer's own dependencies in its directory if they are not there yet. */
export function installPeer(peer: Peer, log: Log): void {
  const dir = peerDir(peer);
  if (existsSync(join(dir, "node_modules", ".package-lock.json"))) return;
  log(`installing the ${peer} peer's dependencies in ${dir}`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock"], {
    cwd: dir,
    stdio: "inherit",
  });
}

/** Figures published with the issue for Phoenix LiveView, quoted (not measured here). */
const PHOENIX = {
  source: "Phoenix LiveView 0.20.17 (Bandit, OTP 25), 10,000 clients, issue's 2-core machine",
  spreadP99Ms: 581,
  rssPerViewKb: 59,
};

/** Cinder's run and the peer's, figure by figure, with Cinder / peer as a ratio (below 1: Cinder lower). */
export function comparisonLines(cinder: LoadResult, peer: LoadResult, name: Peer): string[] {
  const kb = (b: number) => b / 1024;
  const rows: [string, number, number, string][] = [
    [
      "every client got every step",
      Number(cinder.summary.everyClientEveryStep),
      Number(peer.summary.everyClientEveryStep),
      "-",
    ],
    [
      "spread p99 ms (worst step)",
      cinder.summary.spreadP99Ms,
      peer.summary.spreadP99Ms,
      `${PHOENIX.spreadP99Ms}`,
    ],
    ["fan-out p99 ms (worst step)", cinder.summary.fanoutP99Ms, peer.summary.fanoutP99Ms, "-"],
    ["click-to-receipt p99 ms", cinder.summary.clickP99Ms, peer.summary.clickP99Ms, "-"],
    ["RSS per view KB", kb(cinder.server.rssPerView), kb(peer.server.rssPerView), `${PHOENIX.rssPerViewKb}`],
    [
      "RSS per view KB, second half",
      kb(cinder.server.rssPerViewMarginal),
      kb(peer.server.rssPerViewMarginal),
      "-",
    ],
    [
      "server CPU s over the deploy",
      cinder.summary.serverCpuDeployS ?? Number.NaN,
      peer.summary.serverCpuDeployS ?? Number.NaN,
      "-",
    ],
    ["step frame bytes (typical)", cinder.summary.wireBytesTypical, peer.summary.wireBytesTypical, "-"],
    ["connect+join per s", cinder.connect.perSecond, peer.connect.perSecond, "-"],
  ];
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  const table = tableLines(
    ["figure", "Cinder", name, "Cinder / peer", "Phoenix (quoted)"],
    rows.map(([label, c, p, phx]) => [
      label,
      label.startsWith("every") ? String(c === 1) : fmt(c),
      label.startsWith("every") ? String(p === 1) : fmt(p),
      label.startsWith("every") || !(p > 0) || !(c > 0) ? "-" : `${(c / p).toFixed(2)}x`,
      phx,
    ]),
  );
  return [
    `\n### Cinder and ${name}, the same harness, ${cinder.options.clients} clients, one after the other\n`,
    ...table,
    `\nPhoenix column: ${PHOENIX.source}, quoted from the issue, not measured in this run.`,
    `other CPU on the machine during the deploy: Cinder's run ${share(cinder)}, ${name}'s ${share(peer)}`,
  ];
}

function share(r: LoadResult): string {
  return r.summary.otherCpuShare === null ? "?" : `${(r.summary.otherCpuShare * 100).toFixed(0)}%`;
}
