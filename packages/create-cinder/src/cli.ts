import { create } from "./create.js";
import { genLive } from "./gen_live.js";

const CREATE_USAGE = "usage: create-cinder <folder>   (writes a new Cinder app there)";
const CINDER_USAGE =
  "usage: cinder gen.live <Singular> <plural> field:type ...   (types: string text integer boolean)";

/** The two commands' entry point; returns the process exit code. */
export async function main(command: "create" | "cinder", args: readonly string[]): Promise<number> {
  try {
    if (command === "create") {
      if (args.length !== 1 || args[0].startsWith("-")) return usage(CREATE_USAGE);
      await create(args[0]);
      return 0;
    }
    if (args[0] !== "gen.live" || args.length < 3) return usage(CINDER_USAGE);
    genLive(process.cwd(), args[1], args[2], args.slice(3));
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

function usage(text: string): number {
  console.error(text);
  return 2;
}
