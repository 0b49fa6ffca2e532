// Turning deployed TypeScript into Worker Loader modules.
import { describe, expect, it } from "vitest";
import { compile } from "../../workers/runtime/compile";

describe("compile", () => {
  it("strips types, keeps line numbers and rewrites imports to absolute module names", async () => {
    const r = await compile(
      {
        "index.ts": `import { defineFunction } from "kiln";\nimport type { T } from "./types";\nimport { h } from "./lib/h";\nconst x: number = 1;\nexport default defineFunction({ input: null as never, run: () => h(x) });\nconst later = () => import("./lib/h.js");`,
        "types.ts": "export type T = string;",
        "lib/h.ts": `import { z } from "kiln";\nexport const h = (n: number) => z.number().parse(n);`,
      },
      "index.ts",
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.entry).toBe("fn/index.js");
    expect(Object.keys(r.value.modules).sort()).toEqual(["fn/index.js", "fn/lib/h.js", "fn/types.js"]);
    const index = r.value.modules["fn/index.js"]!;
    expect(index).toContain('from "/kiln"');
    expect(index).toContain('from "/fn/lib/h.js"');
    expect(index).toContain('import("/fn/lib/h.js")');
    expect(index).not.toContain(": number");
    expect(index.split("\n")[3]).toContain("const x");
    expect(r.value.modules["fn/lib/h.js"]).toContain('from "/kiln"');
  });

  it("reports syntax errors with file, line and column", async () => {
    const r = await compile({ "a.ts": "export default 1;", "b.ts": "const ok = 1;\nfunction (\n" }, "a.ts");
    expect(r).toEqual({
      ok: false,
      error: { reason: "syntax", message: expect.stringMatching(/Unexpected token/), file: "b.ts", line: 2, column: expect.any(Number) },
    });
  });

  it("refuses unresolvable imports and a missing entry", async () => {
    const bare = await compile({ "index.js": 'import x from "left-pad";\nexport default x;' }, "index.js");
    expect(bare.ok || bare.error).toMatchObject({
      reason: "import",
      file: "index.js",
      line: 1,
      message: expect.stringContaining("left-pad"),
    });
    const outside = await compile({ "index.js": 'import x from "../../etc/passwd";\nexport default x;' }, "index.js");
    expect(outside.ok || outside.error).toMatchObject({ reason: "import" });
    const entry = await compile({ "a.js": "export default 1;" }, "main.js");
    expect(entry.ok || entry.error).toMatchObject({ reason: "entry" });
  });
});
