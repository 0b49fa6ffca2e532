/** Try it: call the function as a tool with JSON input and show status, duration, output and run. */
import { useState } from "preact/hooks";
import { api, type Manifest, type ToolCallResult } from "../api";
import { exampleFromSchema } from "../lib/example-from-schema";
import { duration, pretty } from "../lib/format";
import { Link } from "../router";

export function TryPanel({ name, manifest }: { name: string; manifest: Manifest }) {
  const [input, setInput] = useState(() => pretty(exampleFromSchema(manifest.input)));
  const [parseError, setParseError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ToolCallResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  if (!manifest.exposures.tool) {
    return <p class="muted">This version is not exposed as a tool, so it cannot be called from here.</p>;
  }

  const run = async (e: Event) => {
    e.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch (err) {
      setParseError(`The input is not valid JSON: ${(err as Error).message}`);
      return;
    }
    setParseError(null);
    setFailure(null);
    setBusy(true);
    try {
      setResult(await api.callTool(name, value));
    } catch (err) {
      setFailure((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="try" onSubmit={run}>
      <label for="try-input">Input (JSON)</label>
      <textarea
        id="try-input"
        rows={Math.min(14, Math.max(4, input.split("\n").length + 1))}
        spellcheck={false}
        value={input}
        onInput={(e) => setInput(e.currentTarget.value)}
        aria-invalid={parseError ? true : undefined}
        aria-describedby={parseError ? "try-input-error" : undefined}
      />
      {parseError && (
        <p id="try-input-error" class="field-error" role="alert">
          {parseError}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Running…" : "Run"}
        </button>
      </div>
      {failure && (
        <p class="field-error" role="alert">
          {failure}
        </p>
      )}
      {result && (
        <section class={`result ${result.error ? "failed" : "ok"}`} aria-label="Result" aria-live="polite">
          <dl class="facts">
            <div>
              <dt>HTTP status</dt>
              <dd>{result.status}</dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{duration(result.durationMs)}</dd>
            </div>
            <div>
              <dt>Run</dt>
              <dd>{result.runId ? <Link href={`/runs/${result.runId}`}>{result.runId}</Link> : "—"}</dd>
            </div>
          </dl>
          {result.error && <p class="field-error">{result.error.detail}</p>}
          {result.error && result.error.issues.length > 0 && (
            <ul class="issues">
              {result.error.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path || "/"}</code> {i.message}
                </li>
              ))}
            </ul>
          )}
          {!result.error && (
            <>
              <h3>Output</h3>
              <pre class="output">{pretty(result.body)}</pre>
            </>
          )}
        </section>
      )}
    </form>
  );
}
