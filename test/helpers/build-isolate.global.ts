// Vitest global setup (runs in Node): rebuild the isolate modules, so tests never run a stale SDK.
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  execFileSync(process.execPath, [path.join(import.meta.dirname, "../../scripts/build-isolate.mjs")], { stdio: "inherit" });
}
