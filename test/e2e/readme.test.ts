// Every `sh` block of the README (after the install block) works when pasted in order into a
// shell next to a running Kiln: they run here as one bash script against the shared local server,
// with `localhost:8787` pointed at it, a `.dev.vars` holding its admin key (for `kiln login
// --local`), `npx kiln` running this checkout's CLI, and every curl failing on an HTTP error.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, inject, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const url = new URL(inject("kilnUrl"));
const adminKey = inject("adminKey");

/**
 * The README's sh blocks in order, without the first one (npm install / npm run dev / npm test) and
 * those right after a `<!-- readme-test: skip (why) -->` line (each says which test covers it).
 */
function shellBlocks(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^(<!-- readme-test: skip[^\n]*-->\n)?```sh\n([\s\S]*?)^```$/gm)];
  return blocks
    .filter((m) => m[1] === undefined)
    .map((m) => m[2] ?? "")
    .filter((b) => !/^npm install/m.test(b));
}

const PRELUDE = `set -euo pipefail
curl() { command curl --fail-with-body --max-time 30 "$@"; echo; }
npx() { if [ "$1" = kiln ]; then shift; node "$KILN_REPO/cli/bin/kiln.mjs" "$@"; else echo "npx $1: not expected in the README" >&2; return 1; fi; }
`;

it("runs every README shell snippet, in order, without an error", { timeout: 90_000 }, async () => {
  const blocks = shellBlocks(readFileSync(path.join(root, "README.md"), "utf8"));
  expect(blocks.length).toBeGreaterThanOrEqual(6);
  const script =
    PRELUDE +
    blocks.join("\n").replaceAll("localhost:8787", `localhost:${url.port}`).replaceAll("<admin key printed by npm run dev>", adminKey);
  const cwd = mkdtempSync(path.join(os.tmpdir(), "kiln-readme-"));
  symlinkSync(path.join(root, "examples"), path.join(cwd, "examples"));
  writeFileSync(path.join(cwd, ".dev.vars"), `KILN_ADMIN_KEY=${adminKey}\n`);
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: cwd,
    KILN_CONFIG: path.join(cwd, "kiln.json"),
    PORT: url.port,
    KILN_REPO: root,
    NO_COLOR: "1",
  };
  let out: { stdout: string; stderr: string };
  try {
    out = await promisify(execFile)("bash", ["-c", script], { cwd, env, timeout: 80_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err: any) {
    throw new Error(`a README snippet failed (exit ${err.code}):\n${err.stdout}\n${err.stderr}`);
  }
  // A few answers that show each section did what the README says.
  expect(out.stdout).toContain('"urgency": "high"'); // CLI: classify-ticket deployed and called
  expect(out.stdout).toContain('{"message":"hi"}'); // tool call
  expect(out.stdout).toMatch(/event: state\ndata: \{"runId":"run_\w+","status":"succeeded".*rf_o-1/); // the job, approved, ended (stream)
  expect(out.stdout).toContain('"nextFireAt"'); // schedule created
  expect(out.stdout).toMatch(/"url":"http:\/\/localhost:\d+\/hooks\/whk_/); // webhook endpoint
  expect(out.stdout).toMatch(/\{"id":"alrt_\w+"[^\n]*"format":"standard"[^\n]*"secret":"whsec_[^"]+"/); // a signed alert rule, its secret once
  expect(out.stdout).toMatch(/\{"items":\[\],"nextCursor":null\}/); // its deliveries, none yet
});
