// The committed lockfile is complete for every platform, so `npm install` on a fresh clone (on
// Linux, macOS or Windows) installs from it without rewriting it: each platform-specific optional
// package a dependency lists (esbuild, workerd, biome, rolldown…) has its own locked entry. npm 11
// used to write lockfiles from an installed tree, which has only this machine's binaries.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const lock = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package-lock.json"), "utf8"));
const PLATFORM = /darwin|win32|windows|linux|android|freebsd|openbsd|netbsd|sunos|aix|openharmony|wasm/;

it("locks every platform's optional binaries, for macOS, Windows and linux-arm64 too", () => {
  const packages: Record<string, { optionalDependencies?: Record<string, string> }> = lock.packages;
  const missing: string[] = [];
  const locked: string[] = [];
  for (const [where, pkg] of Object.entries(packages))
    for (const dep of Object.keys(pkg.optionalDependencies ?? {}).filter((d) => PLATFORM.test(d))) {
      const entry = packages[`${where ? `${where}/` : ""}node_modules/${dep}`] ?? packages[`node_modules/${dep}`];
      (entry ? locked : missing).push(dep);
    }
  expect(missing).toEqual([]);
  for (const dep of [
    "@esbuild/darwin-arm64",
    "@esbuild/win32-x64",
    "@cloudflare/workerd-darwin-arm64",
    "@cloudflare/workerd-windows-64",
    "@cloudflare/workerd-linux-arm64",
    "@biomejs/cli-darwin-arm64",
    "@biomejs/cli-win32-x64",
  ])
    expect(locked).toContain(dep);
  // The CLI is a workspace, so `npm install` links `kiln` into node_modules/.bin.
  expect(lock.packages["node_modules/kiln-cli"]).toMatchObject({ resolved: "cli", link: true });
});
