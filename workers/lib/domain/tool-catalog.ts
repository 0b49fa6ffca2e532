/**
 * Renders tool definitions for agent frameworks from each function's one input schema. Pure.
 */
import { mcpOutputSchema } from "./mcp";

export type CatalogFormat = "kiln" | "openai" | "anthropic" | "mcp";

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

export function renderTool(tool: ToolSource, format: CatalogFormat, baseUrl: string): Record<string, unknown> {
  const parameters = bareSchema(tool.input);
  switch (format) {
    case "openai":
      return { type: "function", function: { name: tool.name, description: tool.description, parameters } };
    case "anthropic":
      return { name: tool.name, description: tool.description, input_schema: parameters };
    case "mcp": {
      // MCP clients accept only object output schemas: others are wrapped (see ./mcp).
      const output = mcpOutputSchema(tool.output);
      return {
        name: tool.name,
        description: tool.description,
        inputSchema: parameters,
        ...(output ? { outputSchema: output.schema } : {}),
      };
    }
    case "kiln":
      return {
        name: tool.name,
        description: tool.description,
        inputSchema: tool.input,
        outputSchema: tool.output,
        url: `${baseUrl}/v1/tools/${tool.name}`,
      };
  }
}
