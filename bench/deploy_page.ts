/**
 * The deploy page the benchmarks render: a 10-step table, a log list and a viewer count, as the seed
 * scenario's page, and how one deploy step changes it. Shared by the update benchmark (bench/liveview.ts)
 * and the fan-out over workers (bench/workers.ts), so both measure the same page.
 */
import { html, keyed } from "@cinder/liveview";

interface Step {
  id: number;
  name: string;
  status: "pending" | "running" | "done";
}
export interface Assigns {
  repo: string;
  steps: Step[];
  log: string[];
  viewers: number;
}

const stepNames = [
  "Create organization",
  "Create repository",
  "Push code",
  "Configure secrets",
  "Run tests",
  "Build image",
  "Push image",
  "Deploy staging",
  "Smoke test",
  "Deploy production",
];

export function render(a: Assigns) {
  return html`<section class="deploy">
  <h1>Deploy ${a.repo} to GitHub</h1>
  <p class="viewers">${a.viewers} watching</p>
  <button phx-click="deploy" ${a.steps.some((s) => s.status === "running") ? "disabled" : ""}>Deploy</button>
  <table>
    <thead><tr><th>#</th><th>Step</th><th>Status</th></tr></thead>
    <tbody>${a.steps.map((s) =>
      keyed(
        s.id,
        html`<tr id="${`step-${s.id}`}" class="${s.status}"><td>${s.id}</td><td>${s.name}</td><td>${s.status}</td></tr>`,
      ),
    )}</tbody>
  </table>
  <ol class="log">${a.log.map((line) => html`<li>${line}</li>`)}</ol>
</section>`;
}

export function initial(): Assigns {
  return {
    repo: "cinder/deploy-demo",
    steps: stepNames.map((name, i) => ({ id: i + 1, name, status: "pending" })),
    log: [],
    viewers: 12,
  };
}

/** The next assigns: step k moves on (pending -> running -> done), as one deploy step does. */
export function advance(a: Assigns, k: number): Assigns {
  const i = k % a.steps.length;
  const steps = a.steps.slice();
  const s = steps[i];
  steps[i] = {
    ...s,
    status: s.status === "pending" ? "running" : s.status === "running" ? "done" : "pending",
  };
  return { ...a, steps };
}

export function pushFrame(diff: unknown): string {
  return JSON.stringify(["4", null, "lv:phx-GBsi1kQ9nV8RuMdXw2Lp3", "diff", diff]);
}
