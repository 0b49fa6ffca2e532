// The dependency rules of STYLE.md, kept by a test: pure code imports no platform, and entry
// adapters (routes, consumers, workflows, Durable Objects) are imported only by the entry point.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob(["../../workers/**/*.ts", "../../durable-objects/**/*.ts", "!../../workers/**/generated/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

function importsOf(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(/^\s*(import|export)(\s+type)?[^'"]*?from\s+["']([^"']+)["']/gm)) {
    found.push({ specifier: m[3]!, typeOnly: m[2] !== undefined });
  }
  return found;
}

const files = Object.entries(sources).map(([path, source]) => ({ path: path.replace("../../", ""), imports: importsOf(source) }));

describe("architecture", () => {
  it("reads the sources", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it("keeps lib/domain and lib/contracts free of Cloudflare, Hono, drizzle and infra", () => {
    const offenders = files
      .filter((f) => /workers\/lib\/(domain|contracts)\//.test(f.path))
      .flatMap((f) =>
        f.imports.filter((i) => /^(cloudflare:|hono|drizzle-orm)|\/infra\//.test(i.specifier)).map((i) => `${f.path} → ${i.specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  it("imports entry adapters only from the Worker's entry point (types excepted)", () => {
    const adapter = /\.(routes|consumer|workflow|do)$/;
    const offenders = files
      .filter((f) => f.path !== "workers/index.ts" && !f.path.startsWith("workers/http/app.ts"))
      .flatMap((f) => f.imports.filter((i) => !i.typeOnly && adapter.test(i.specifier)).map((i) => `${f.path} → ${i.specifier}`));
    expect(offenders).toEqual([]);
  });

  it("uses drizzle only in lib/infra", () => {
    const offenders = files
      .filter((f) => !f.path.startsWith("workers/lib/infra/"))
      .flatMap((f) => f.imports.filter((i) => i.specifier.startsWith("drizzle-orm")).map((i) => `${f.path} → ${i.specifier}`));
    expect(offenders).toEqual([]);
  });
});
