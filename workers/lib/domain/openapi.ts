/**
 * The OpenAPI 3.1 document of Kiln's API: every route from the contracts that validate it
 * (contracts/api-routes.ts, rendered with zod's own z.toJSONSchema, whose 2020-12 output is
 * OpenAPI 3.1's schema dialect), plus one operation per tool the caller may call, so that the
 * tools work as GPT Actions and in API clients. Pure; imports zod and contracts.
 */
import { z } from "zod";
import { API_ROUTES, type ApiRoute } from "../contracts/api-routes";
import { Problem } from "../contracts/problem";
import type { ToolSource } from "./tool-catalog";

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A standalone JSON Schema made safe to embed: its `$defs` become components named after
 * `prefix`, and its local `$ref`s ("#", "#/$defs/x") are rewritten to point there, since inside
 * the document "#" means the document itself.
 */
function embed(schema: Node, prefix: string, components: Node): Node {
  const { $schema: _, $id: __, $defs, definitions, ...rest } = schema;
  const defs = { ...(isNode($defs) ? $defs : {}), ...(isNode(definitions) ? definitions : {}) };
  let selfReferenced = false;
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (!isNode(v)) return v;
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === "$ref" ? x : rewrite(x)]));
    if (typeof v.$ref !== "string") return out;
    if (v.$ref === "#") {
      selfReferenced = true;
      return { ...out, $ref: `#/components/schemas/${prefix}` };
    }
    const def = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(v.$ref);
    return def ? { ...out, $ref: `#/components/schemas/${prefix}_${def[1]}` } : out;
  };
  for (const [name, def] of Object.entries(defs)) components[`${prefix}_${name}`] = rewrite(def);
  const body = rewrite(rest) as Node;
  if (!selfReferenced) return body;
  components[prefix] = body;
  return { $ref: `#/components/schemas/${prefix}` };
}

const schemaOf = (s: z.ZodType, io: "input" | "output", prefix: string, components: Node) =>
  embed(z.toJSONSchema(s, { io, unrepresentable: "any" }) as Node, prefix, components);

const problemResponse = {
  description: "A problem document (RFC 9457)",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

function parameters(route: ApiRoute, components: Node): Node[] {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  if (!route.query) return path;
  const query = schemaOf(route.query, "input", "query", components);
  const props = isNode(query.properties) ? query.properties : {};
  const required = new Set(Array.isArray(query.required) ? query.required : []);
  return [...path, ...Object.entries(props).map(([name, schema]) => ({ name, in: "query", required: required.has(name), schema }))];
}

function operation(route: ApiRoute, components: Node): Node {
  const id = `${route.method}${route.path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string = "") => c.toUpperCase())}`;
  const ok = route.ok.schema
    ? {
        description: route.ok.description ?? "OK",
        content: { "application/json": { schema: schemaOf(route.ok.schema, "output", `${id}_ok`, components) } },
      }
    : { description: route.ok.description ?? "OK" };
  return {
    operationId: id,
    summary: route.summary,
    ...(route.scope && route.scope !== "public" ? { description: `Needs the \`${route.scope}\` scope.` } : {}),
    ...(route.scope === "public" ? { security: [] } : {}),
    parameters: parameters(route, components),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schemaOf(route.body, "input", `${id}_body`, components) } },
          },
        }
      : {}),
    responses: { [String(route.ok.status)]: ok, default: problemResponse },
  };
}

/** `POST /v1/tools/<name>` for one tool, with its own input and output schemas. */
function toolOperation(tool: ToolSource, components: Node, taken: Set<string>): Node {
  const output = tool.output ? embed(tool.output, `tool_${tool.name}_output`, components) : {};
  // GPT Actions name the function after the operationId; ids must be unique ("a-b" and "a_b" both exist).
  let operationId = tool.name.replace(/[^A-Za-z0-9_]/g, "_");
  while (taken.has(operationId)) operationId = `${operationId}_`;
  taken.add(operationId);
  return {
    operationId,
    summary: tool.description ? tool.description.slice(0, 300) : `Call the tool ${tool.name}`,
    tags: ["tools"],
    parameters: [
      {
        name: "Idempotency-Key",
        in: "header",
        required: false,
        schema: { type: "string", maxLength: 200 },
        description: "A repeat within 24 h returns the first response",
      },
    ],
    requestBody: { required: true, content: { "application/json": { schema: embed(tool.input, `tool_${tool.name}_input`, components) } } },
    responses: {
      "200": { description: "The tool's output", content: { "application/json": { schema: output } } },
      default: problemResponse,
    },
  };
}

export function buildOpenApi(tools: ToolSource[], baseUrl: string, version: string): Node {
  const components: Node = {};
  const paths: Record<string, Node> = {};
  for (const route of API_ROUTES) paths[route.path] = { ...paths[route.path], [route.method]: operation(route, components) };
  const taken = new Set(Object.values(paths).flatMap((p) => Object.values(p).map((op) => (op as Node).operationId as string)));
  for (const tool of tools) paths[`/v1/tools/${tool.name}`] = { post: toolOperation(tool, components, taken) };
  components.Problem = schemaOf(Problem, "output", "Problem", components);
  return {
    openapi: "3.1.0",
    info: { title: "Kiln", version, description: "Every route of this Kiln, and one operation per tool the credential may call." },
    servers: [{ url: baseUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key or an agent token" } },
    },
  };
}
