import { type Behaviour, self, send, stop } from "@cinder/actors";
import type { Bus } from "./bus.js";
import { nowMs } from "./clock.js";
import type { Deployment } from "./deployment.js";
import type { GitHubClient } from "./github_client.js";
import { FIRST_STEP, STEPS, type Step, TOPIC } from "./steps.js";

/** What a runner holds: its deploy, and how to reach the others. */
export interface RunnerState {
  deployment: Deployment;
  bus: Bus;
  github: GitHubClient;
}

/**
 * Runs one deploy. It is the article's `GithubDeployView` chain, moved out of the clicker's view process so
 * that the deploy finishes even if the clicker closes the page: `send(self(), "create-org")`, then each
 * `handleInfo(step)` broadcasts the step, does the step's work, and sends itself the next step.
 */
export const Runner: Behaviour<RunnerState, Step, RunnerState> = {
  label: "DeployRunner",
  init(st) {
    send(self(), FIRST_STEP);
    return st;
  },

  async handleInfo(step, st) {
    st.bus.log(`HANDLE INFO FOR ${step}`);
    const d = st.deployment;
    d.step = step;
    d.text = STEPS[step].text;
    d.times = { ...d.times, [step]: nowMs() - d.startedAt };
    if (step === "done") {
      d.status = "done";
      st.bus.broadcastFrom(self(), TOPIC, step, { ...d });
      st.bus.log("Done!");
      return stop("normal", st);
    }
    st.bus.broadcastFrom(self(), TOPIC, step, { ...d });
    await st.github.do(step); // a failure crashes this process; the tracker sees it and tells everyone
    send(self(), STEPS[step].next);
    return st;
  },
};
