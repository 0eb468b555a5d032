import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Imports the built CLI and runs `command`; in a clone whose packages are not built yet, builds them. */
export async function run(command) {
  const cli = new URL("../dist/cli.js", import.meta.url);
  if (!existsSync(fileURLToPath(cli))) {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const tsc = `${root}node_modules/typescript/bin/tsc`;
    if (!existsSync(tsc)) {
      console.error("create-cinder is not built and no TypeScript is at hand: run `npm install` first.");
      process.exit(1);
    }
    console.error("Building the Cinder packages (first run in this clone)...");
    execFileSync(process.execPath, [tsc, "-b"], { cwd: root, stdio: "inherit" });
  }
  const { main } = await import(cli.href);
  process.exitCode = await main(command, process.argv.slice(2));
}
