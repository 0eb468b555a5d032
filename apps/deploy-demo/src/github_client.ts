import type { Step } from "./steps.js";

/** What the simulated GitHub client needs to know. */
export interface GitHubClientOptions {
  /** How long each step takes, in ms (`DEPLOY_STEP_MS`, default 800). */
  stepMs: number;
  /** A step that fails, to show failure handling (`DEPLOY_FAIL_STEP`). */
  failStep?: string | undefined;
}

/** Thrown by a step told to fail. */
export class GitHubError extends Error {
  override name = "GitHubError";
}

/**
 * The article's `GitHubClient.do(step)`, simulated: it waits `stepMs` and succeeds, unless it is the step
 * told to fail. A real client would call GitHub's API here; nothing else in the app would change.
 */
export class GitHubClient {
  constructor(private readonly opts: GitHubClientOptions) {}

  async do(step: Step): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.opts.stepMs));
    if (step === this.opts.failStep)
      throw new GitHubError(`GitHub refused ${step} (simulated by DEPLOY_FAIL_STEP)`);
  }
}
