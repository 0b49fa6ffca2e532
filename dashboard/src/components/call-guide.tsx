/**
 * "How do I call this?": the input and output schema as tables, copyable snippets (curl for a tool
 * call and for a job start, with this dashboard's origin and a placeholder key), and the tool
 * definition for OpenAI, Anthropic or MCP exactly as GET /v1/tools?format=… renders it.
 */
import { useState } from "preact/hooks";
import { api, type Manifest, type Session } from "../api";
import { exampleFromSchema } from "../lib/example-from-schema";
import { pretty } from "../lib/format";
import { type SchemaRow, schemaRows } from "../lib/schema-rows";
import { curlJobStart, curlToolCall } from "../lib/snippets";
import { useAsync } from "../lib/use-async";
import { CopyButton } from "./copy-button";
import { hasScope } from "./layout";
import { ErrorBox, Loading } from "./states";

const FORMATS = [
  { value: "openai", label: "OpenAI" },
  { value: "anthropic", label: "Anthropic" },
  { value: "mcp", label: "MCP" },
] as const;
type Format = (typeof FORMATS)[number]["value"];

export function CallGuide({ name, manifest, session }: { name: string; manifest: Manifest; session: Session }) {
  const origin = window.location.origin;
  const example = exampleFromSchema(manifest.input) ?? {};
  return (
    <>
      <h3>Input</h3>
      <SchemaTable id="input" rows={schemaRows(manifest.input)} />
      <h3>Output</h3>
      {manifest.output ? <SchemaTable id="output" rows={schemaRows(manifest.output)} /> : <p class="muted">Not declared.</p>}
      {manifest.exposures.tool && <Snippet id="curl-tool" title="Call it as a tool" text={curlToolCall(origin, name, example)} />}
      {manifest.exposures.job && <Snippet id="curl-job" title="Start it as a job" text={curlJobStart(origin, name, example)} />}
      <p class="muted small">
        Replace <code>$KILN_API_KEY</code> with an API key holding the scope (tools:call or jobs:write).
      </p>
      {manifest.exposures.tool && hasScope(session, "tools:call") && <ToolDefinition name={name} />}
    </>
  );
}

function SchemaTable({ id, rows }: { id: string; rows: SchemaRow[] }) {
  if (rows.length === 0) return <p class="muted">No fields.</p>;
  return (
    <div class="table-wrap">
      <table class="stack schema-table" data-testid={`schema-${id}`} aria-label={`${id === "input" ? "Input" : "Output"} fields`}>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Description</th>
            <th scope="col">Constraints</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td data-label="Field">
                <code>{r.name}</code>
              </td>
              <td data-label="Type">{r.type}</td>
              <td data-label="Required">{r.required ? "yes" : "no"}</td>
              <td data-label="Description">{r.description || "—"}</td>
              <td data-label="Constraints">{r.constraints.join("; ") || "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Snippet({ id, title, text }: { id: string; title: string; text: string }) {
  return (
    <div class="snippet" data-testid={`snippet-${id}`}>
      <h3>
        {title} <CopyButton value={text} label="Copy" />
      </h3>
      <pre>
        <code>{text}</code>
      </pre>
    </div>
  );
}

/** This tool's definition, from the catalog in the chosen format (the API renders it; nothing is re-built here). */
function ToolDefinition({ name }: { name: string }) {
  const [format, setFormat] = useState<Format>("openai");
  const { data, error } = useAsync(() => api.toolCatalog(format), [format]);
  const tool = data?.find((t) => t.name === name || (t.function as { name?: string } | undefined)?.name === name);
  return (
    <>
      <fieldset class="segmented">
        <legend class="sr-only">Tool definition format</legend>
        {FORMATS.map((f) => (
          <button key={f.value} type="button" class="seg" aria-pressed={f.value === format} onClick={() => setFormat(f.value)}>
            {f.label}
          </button>
        ))}
      </fieldset>
      {error && <ErrorBox error={error} />}
      {!data && !error && <Loading />}
      {data &&
        (tool ? (
          <Snippet id="tool-definition" title={`Tool definition (${format})`} text={pretty(tool)} />
        ) : (
          <p class="muted">Not in the catalog.</p>
        ))}
    </>
  );
}
