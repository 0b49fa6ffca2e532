/**
 * Renders tool definitions for agent frameworks from each function's one input schema, plus what a
 * caller needs to call them (URL, method, authentication). Strict renderings go through
 * strict-schema.ts; a tool it cannot express is left out with a warning, never a broken catalog.
 * Pure; imports contracts and other domain modules.
 */
import type { Catalog, CatalogFormat, CatalogWarning } from "../contracts/tools";
import { mcpOutputSchema } from "./mcp";
import { type StrictDialect, toStrictSchema } from "./strict-schema";

/** Formats that have a strict mode, with the provider whose subset applies. */
export const STRICT_DIALECT: Partial<Record<CatalogFormat, StrictDialect>> = {
  openai: "openai",
  "openai-responses": "openai",
  anthropic: "anthropic",
};

export interface ToolSource {
  name: string;
  description: string;
  input: Record<string, unknown>;
  output: Record<string, unknown> | null;
}

/** Model APIs reject or ignore meta keywords; keep the schema itself. */
function bareSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, $id: __, ...rest } = schema;
  return rest;
}

export const toolUrl = (baseUrl: string, name: string) => `${baseUrl}/v1/tools/${name}`;

export function renderTool(
  tool: ToolSource,
  format: CatalogFormat,
  baseUrl: string,
  parameters: Record<string, unknown> = bareSchema(tool.input),
  strict = false,
): Record<string, unknown> {
  const { name, description } = tool;
  switch (format) {
    case "openai":
      return { type: "function", function: { name, description, parameters, ...(strict ? { strict: true } : {}) } };
    case "openai-responses":
      // The Responses API treats a missing `strict` as true: say which one this is.
      return { type: "function", name, description, parameters, strict };
    case "anthropic":
      return { name, description, input_schema: parameters, ...(strict ? { strict: true } : {}) };
    case "mcp": {
      // MCP clients accept only object output schemas: others are wrapped (see ./mcp).
      const output = mcpOutputSchema(tool.output);
      return { name, description, inputSchema: parameters, ...(output ? { outputSchema: output.schema } : {}) };
    }
    case "kiln":
      return { name, description, inputSchema: tool.input, outputSchema: tool.output, url: toolUrl(baseUrl, name) };
  }
}

/** The whole catalog for `tools` (already filtered to what the caller may call). */
export function renderCatalog(tools: ToolSource[], format: CatalogFormat, strict: boolean, baseUrl: string): Catalog {
  const dialect = strict ? STRICT_DIALECT[format] : undefined;
  const rendered: Record<string, unknown>[] = [];
  const warnings: CatalogWarning[] = [];
  const toolUrls: Record<string, string> = {};
  for (const tool of tools) {
    if (!dialect) {
      rendered.push(renderTool(tool, format, baseUrl));
    } else {
      const converted = toStrictSchema(tool.input, dialect);
      if (!converted.ok) {
        warnings.push({ tool: tool.name, message: `left out: ${converted.reason}` });
        continue;
      }
      rendered.push(renderTool(tool, format, baseUrl, converted.schema, true));
    }
    toolUrls[tool.name] = toolUrl(baseUrl, tool.name);
  }
  const call = {
    method: "POST" as const,
    url: toolUrl(baseUrl, "{name}"),
    auth: "Authorization: Bearer <API key or agent token with the tools:call scope>",
    body: "the tool's arguments as a JSON object (content-type: application/json); a null for an optional field means absent",
    toolUrls,
  };
  return { format, strict: dialect !== undefined, tools: rendered, call, warnings };
}
