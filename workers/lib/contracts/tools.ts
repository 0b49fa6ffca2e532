/**
 * The tool catalog (`GET /v1/tools`): its query and its response. Imports nothing but zod.
 */
import { z } from "zod";

export const CatalogFormat = z.enum(["kiln", "openai", "openai-responses", "anthropic", "mcp"]);
export type CatalogFormat = z.infer<typeof CatalogFormat>;

export const CatalogQuery = z.strictObject({
  format: CatalogFormat.default("kiln"),
  /** Strict-mode schemas; `openai-responses` is strict unless `strict=false`, as the Responses API is. */
  strict: z.enum(["true", "false"]).optional(),
});
export type CatalogQuery = z.infer<typeof CatalogQuery>;

export const CatalogWarning = z.object({ tool: z.string(), message: z.string() });
export type CatalogWarning = z.infer<typeof CatalogWarning>;

/** How to call any tool of the catalog: the same for every format, so the tools stay provider-shaped. */
export const CatalogCall = z.object({
  method: z.literal("POST"),
  /** With `{name}` standing for the tool's name. */
  url: z.string(),
  auth: z.string(),
  body: z.string(),
  toolUrls: z.record(z.string(), z.string()),
});
export type CatalogCall = z.infer<typeof CatalogCall>;

export const Catalog = z.object({
  format: CatalogFormat,
  strict: z.boolean(),
  /** Tool definitions in the provider's own shape. */
  tools: z.array(z.record(z.string(), z.unknown())),
  call: CatalogCall,
  /** Tools left out of a strict catalog, with the reason. */
  warnings: z.array(CatalogWarning),
});
export type Catalog = z.infer<typeof Catalog>;
