// Builds everything the Worker serves: the isolate modules (SDK + harness) and the dashboard.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
for (const script of ["build:isolate", "build:dashboard"]) {
  const res = spawnSync("npm", ["run", "--silent", script], { cwd: root, stdio: "inherit" });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
