/** The printed report of a run: a few lines around a Markdown table of the steps, pasteable into the README. */
import { tableLines } from "../lib.js";
import { LOAD_CPUS, SERVER_CPUS } from "./processes.js";
import type { LoadResult, StepResult } from "./result.js";

/** Targets from the issue, at 10,000 clients. */
export const TARGETS = {
  spreadP99Ms: 75,
  clickP99Ms: 100,
  rssPerViewBytes: 10 * 1024,
  wireBytes: 86,
} as const;

const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;

export function printResult(r: LoadResult): void {
  for (const l of [...headLines(r), ...stepTable(r.steps), ...tailLines(r)]) console.log(l);
}

/** Title, machine, connects and server memory. */
function headLines(r: LoadResult): string[] {
  const young = r.server.youngGeneration;
  return [
    `\n### Live views under load: ${r.options.clients} clients${r.options.cut > 0 ? `, ${r.options.cut * 100}% cut mid-deploy` : ""}\n`,
    `machine: ${r.machine}; commit ${r.commit}; DEPLOY_STEP_MS ${r.options.stepMs}; ${r.generators.length} generator(s)${pinning(r)}`,
    `connect+join: ${r.connect.joined} joined, ${r.connect.failed} failed, ${r.connect.seconds.toFixed(1)} s, ${r.connect.perSecond}/s` +
      ` (per client p50 ${r.connect.joinMs.p50} ms, p99 ${r.connect.joinMs.p99} ms)`,
    `server: RSS ${(r.server.rssConnected / 2 ** 20).toFixed(0)} MiB, ${kb(r.server.rssPerView)}/view over the idle server` +
      ` (second half of the views alone: ${kb(r.server.rssPerViewMarginal)}/view; young generation ${young === null ? "?" : `${(young / 2 ** 20).toFixed(0)} MiB`}),` +
      ` heap ${kb(r.server.heapPerView)}/view, ${r.server.processes} processes, open files limit ${r.server.fdLimit ?? "?"}`,
  ];
}

function stepTable(steps: StepResult[]): string[] {
  const header = [
    "step",
    "got",
    "fan-out p50 ms",
    "p99",
    "max",
    "spread p99 ms",
    "spread max",
    "wire B",
    "server CPU s",
    "server GC (pauses)",
  ];
  const rows = steps.map((s) => [
    s.step,
    `${s.received}/${s.expected}`,
    `${s.fanoutMs.p50}`,
    `${s.fanoutMs.p99}`,
    `${s.fanoutMs.max}`,
    `${s.spreadMs.p99}`,
    `${s.spreadMs.max}`,
    Object.keys(s.wireBytes).join(","),
    s.serverCpuS === null ? "?" : s.serverCpuS.toFixed(3),
    gcText(s.gc),
  ]);
  return tableLines(header, rows);
}

function gcText(gc: Record<string, { count: number; ms: number }> | undefined): string {
  const parts = Object.entries(gc ?? {}).map(([k, v]) => `${v.count} ${k} ${v.ms.toFixed(0)} ms`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** Click latency, generators, disturbance, errors, the cut check, the server's log and the targets. */
function tailLines(r: LoadResult): string[] {
  const lines = [
    `click-to-receipt: p50 ${r.clickToReceiptMs.p50} ms, p99 ${r.clickToReceiptMs.p99} ms, max ${r.clickToReceiptMs.max} ms; click reply ${r.clickReplyMs} ms`,
    `generators: ${r.generators
      .map(
        (g) =>
          `#${g.worker} ${g.clients} clients, ELU ${g.elu} (fan-out ${g.fanoutElu}), clock ${g.clockOffsetMs} ms`,
      )
      .join("; ")}`,
  ];
  if (r.summary.serverCpuDeployS !== null)
    lines.push(
      `server CPU over the deploy, every process (${r.options.serverWorkers ?? 1} worker(s)): ${r.summary.serverCpuDeployS.toFixed(3)} s`,
    );
  if (r.summary.otherCpuShare !== null)
    lines.push(
      `other processes used ${(100 * r.summary.otherCpuShare).toFixed(1)}% of the machine's CPU during the deploy`,
    );
  lines.push(
    `errors: ${r.errors.count}, dropped: ${r.errors.dropped}, cut: ${r.errors.cut}; every client got every step: ${r.summary.everyClientEveryStep}`,
  );
  for (const e of r.errors.samples.slice(0, 10)) lines.push(`  ${e}`);
  if (r.cutCheck !== undefined) {
    lines.push(
      `cut check: server ${r.cutCheck.serverAlive ? "alive" : "DEAD"}, ${r.cutCheck.connectionsAfter} connections after (expected ${r.cutCheck.expectedConnections}), ${r.cutCheck.processesAfter} processes`,
    );
  }
  if (r.server.log.length > 0) {
    lines.push(`server log (warn/error, first ${Math.min(10, r.server.log.length)}):`);
    for (const l of r.server.log.slice(0, 10)) lines.push(`  ${l}`);
  }
  if (r.options.clients === 10_000) lines.push(targetLine(r));
  return lines;
}

/** Whether the run met the issue's targets (they are set for 10,000 clients). */
function targetLine(r: LoadResult): string {
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  const s = r.summary;
  return (
    `targets at ${r.options.clients}: spread p99 ${s.spreadP99Ms} ms <= ${TARGETS.spreadP99Ms}: ${ok(s.spreadP99Ms <= TARGETS.spreadP99Ms)};` +
    ` click p99 ${s.clickP99Ms} ms <= ${TARGETS.clickP99Ms}: ${ok(s.clickP99Ms <= TARGETS.clickP99Ms)};` +
    ` RSS/view ${kb(s.rssPerViewBytes)} <= 10 KB: ${ok(s.rssPerViewBytes <= TARGETS.rssPerViewBytes)};` +
    ` step update ${s.wireBytesMax} B (typical ${s.wireBytesTypical}) <= ${TARGETS.wireBytes}: ${ok(s.wireBytesMax <= TARGETS.wireBytes)}`
  );
}

/** How the server and the generators shared the CPUs. */
function pinning(r: LoadResult): string {
  const workers = r.options.serverWorkers ?? 1;
  if (!r.options.pin) return workers > 1 ? `; server on ${workers} workers, not pinned` : "; not pinned";
  if (workers > 1)
    return `; server on ${workers} workers on every CPU, generators pinned to CPU ${LOAD_CPUS}`;
  return `; server pinned to CPU ${SERVER_CPUS}, generators to CPU ${LOAD_CPUS}`;
}
