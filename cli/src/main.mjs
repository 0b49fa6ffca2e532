/**
 * The `kiln` command tree (commander): global options, the command groups, and one place that
 * turns a failure into a message on stderr (and a JSON `error` under --json) with exit code 1.
 * Imports commander and the CLI's own modules.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { KilnError } from "./api.mjs";
import { registerCalls } from "./commands/calls.mjs";
import { registerFunctions } from "./commands/functions.mjs";
import { registerResources } from "./commands/resources.mjs";
import { pc } from "./output.mjs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The program with every command registered (exported for tests of the option parsing). */
export function buildProgram() {
  const program = new Command("kiln")
    .description("Deploy, call and inspect functions on a Kiln server")
    .version(pkg.version)
    .option("--json", "print machine-readable JSON")
    .showHelpAfterError("(run with --help for usage)");
  registerFunctions(program);
  registerCalls(program);
  registerResources(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv) {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode ?? 0;
  } catch (err) {
    if (!(err instanceof KilnError)) throw err;
    if (argv.includes("--json"))
      process.stdout.write(`${JSON.stringify({ error: { message: err.message, status: err.status, problem: err.problem } }, null, 2)}\n`);
    process.stderr.write(`${pc.red("✘")} ${err.message}\n`);
    return err.exitCode;
  }
}
