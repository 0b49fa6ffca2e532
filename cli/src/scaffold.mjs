/**
 * The files `kiln init` writes: a function that imports an npm-free example, a package.json
 * whose dependencies `kiln deploy` bundles, and a tsconfig that lets the editor type-check
 * `defineFunction`. Pure: returns file name → text. Imports only node:path.
 */
import path from "node:path";

const INDEX = `import { defineFunction, NonRetriableError, z } from "kiln";

export default defineFunction({
  description: "Greets someone",
  input: z.object({ name: z.string().min(1).max(100) }),
  async run(input, ctx) {
    if (input.name === "nobody") throw new NonRetriableError("nobody to greet");
    ctx.log.info("greeting", { name: input.name });
    return { greeting: \`Hello, \${input.name}!\` };
  },
});
`;

/**
 * @param name the function's name
 * @param dir the folder it is written to
 * @param sdk the path of the `kiln` SDK's source in a Kiln checkout, or null
 */
export function scaffold(name, dir, sdk) {
  const compilerOptions = {
    target: "ES2023",
    module: "ES2022",
    moduleResolution: "bundler",
    lib: ["ES2023"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
  };
  const include = ["**/*.ts"];
  if (sdk) {
    const rel = (p) => path.relative(dir, p).split(path.sep).join("/");
    const root = path.resolve(path.dirname(sdk), "../../..");
    compilerOptions.paths = { kiln: [rel(sdk)] };
    // The SDK's one Node import, and the Workers globals (fetch, console…) without @types/node.
    include.push(
      rel(path.join(path.dirname(sdk), "ambient.d.ts")),
      rel(path.join(root, "node_modules/@cloudflare/workers-types/index.d.ts")),
    );
  }
  const pkg = {
    name,
    version: "0.0.0",
    private: true,
    type: "module",
    main: "index.ts",
    scripts: { deploy: "kiln deploy .", dev: "kiln dev ." },
    dependencies: {},
  };
  return {
    "index.ts": INDEX,
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify({ compilerOptions, include, exclude: ["node_modules"] }, null, 2)}\n`,
  };
}
