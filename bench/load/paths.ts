/** Where the harness's files are: the repository, the compiled bench scripts and the results. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The compiled bench scripts (`bench/dist`): the server wrapper and the generator entry run from here. */
export const benchDist = join(here, "..");

/** The repository's root. */
export const root = join(here, "..", "..", "..");

/** `bench/results`, where the runs are written. */
export const resultsDir = join(root, "bench", "results");
