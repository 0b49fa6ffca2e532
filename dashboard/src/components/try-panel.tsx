/**
 * Try it: call the function as a tool with JSON input and show status, duration, output and run;
 * or start it as a job with the same input and open the job's page. With `?replay=<run id>` in the
 * URL ("Replay with edits"), the input starts as that run's input, to edit before running.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, api, type Manifest, type ToolCallResult } from "../api";
import { exampleFromSchema } from "../lib/example-from-schema";
import { duration, payloadMarker, pretty, prettyText } from "../lib/format";
import { Link, navigate, useLocation } from "../router";
import { Fact } from "./facts";
import { FieldError, invalidIf } from "./form-error";
import { Issues } from "./states";

export function TryPanel({ name, manifest }: { name: string; manifest: Manifest }) {
  const [input, setInput] = useState(() => pretty(exampleFromSchema(manifest.input)));
  const [parseError, setParseError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"run" | "job" | null>(null);
  const [result, setResult] = useState<ToolCallResult | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [jobError, setJobError] = useState<ApiError | null>(null);
  const { tool, job } = manifest.exposures;
  const replayOf = useReplayInput(name, setInput);

  if (!tool && !job) {
    return <p class="muted">This version is exposed neither as a tool nor as a job, so it cannot be called from here.</p>;
  }

  /** The input as a value, or undefined (with the error shown) when it is not JSON. */
  const parsed = (): { value: unknown } | undefined => {
    try {
      const value: unknown = JSON.parse(input);
      setParseError(null);
      return { value };
    } catch (err) {
      setParseError(`The input is not valid JSON: ${(err as Error).message}`);
      return undefined;
    }
  };

  const startJob = async (e: Event) => {
    e.preventDefault();
    const got = parsed();
    if (!got) return;
    setFailure(null);
    setJobError(null);
    setBusy("job");
    try {
      const started = await api.startJob(name, got.value);
      navigate(`/jobs/${started.id}`);
    } catch (err) {
      setJobError(err as ApiError);
      setBusy(null);
    }
  };

  const run = async (e: Event) => {
    e.preventDefault();
    const got = parsed();
    if (!got) return;
    const value = got.value;
    setFailure(null);
    setJobError(null);
    setBusy("run");
    try {
      setResult(await api.callTool(name, value));
    } catch (err) {
      setFailure((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <form class="try" id="try" onSubmit={tool ? run : startJob}>
      {replayOf && (
        <p class="notice" role="status">
          Pre-filled with the input of run <Link href={`/runs/${encodeURIComponent(replayOf)}`}>{replayOf}</Link>: edit it, then{" "}
          {tool ? "Run" : "Run as job"}.
        </p>
      )}
      <label for="try-input">Input (JSON)</label>
      <textarea
        id="try-input"
        rows={Math.min(14, Math.max(4, input.split("\n").length + 1))}
        spellcheck={false}
        value={input}
        onInput={(e) => setInput(e.currentTarget.value)}
        {...invalidIf(parseError, "try-input-error")}
      />
      <FieldError id="try-input-error" error={parseError} />
      <div class="actions">
        {tool && (
          <button type="submit" class="primary" disabled={busy !== null}>
            {busy === "run" ? "Running…" : "Run"}
          </button>
        )}
        {job && (
          <button
            type={tool ? "button" : "submit"}
            class={tool ? undefined : "primary"}
            disabled={busy !== null}
            onClick={tool ? startJob : undefined}
          >
            {busy === "job" ? "Starting…" : "Run as job"}
          </button>
        )}
      </div>
      {job && (
        <p class="muted small">
          {tool ? "Run calls it as a tool and waits for the output; " : ""}Run as job starts a durable run and opens its live page.
        </p>
      )}
      {!tool && <p class="muted small">This version is not exposed as a tool, so it can only run as a job.</p>}
      <FieldError error={failure} />
      {jobError && (
        <div class="result failed" role="alert">
          <p class="field-error">Could not start the job: {jobError.detail ?? jobError.message}</p>
          <Issues issues={jobError.issues} class="issues" />
        </div>
      )}
      {result && (
        <section class={`result ${result.error ? "failed" : "ok"}`} aria-label="Result" aria-live="polite">
          <dl class="facts">
            <Fact term="HTTP status">{result.status}</Fact>
            <Fact term="Duration">{duration(result.durationMs)}</Fact>
            <Fact term="Run">{result.runId ? <Link href={`/runs/${result.runId}`}>{result.runId}</Link> : "—"}</Fact>
          </dl>
          {result.error && <p class="field-error">{result.error.detail}</p>}
          {result.error && <Issues issues={result.error.issues} class="issues" />}
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

/** With `?replay=<run id>`: puts that run's input (of this function) in the editor once, scrolled into view; the run id, or null. */
function useReplayInput(name: string, setInput: (text: string) => void): string | null {
  const id = useLocation().query.get("replay");
  const [loaded, setLoaded] = useState<string | null>(null);
  const done = useRef<string | null>(null);
  useEffect(() => {
    if (!id || done.current === id) return;
    done.current = id;
    api
      .run(id)
      // An input over 64 KiB is a marker in the run's view: the editor gets the whole input.
      .then(async (run) =>
        run.function !== name ? null : payloadMarker(run.input) ? prettyText(await api.runPayload(id, "input")) : pretty(run.input),
      )
      .then(
        (text) => {
          if (text === null) return;
          setInput(text);
          setLoaded(id);
          document.getElementById("try")?.scrollIntoView({ block: "start" });
        },
        () => setLoaded(null),
      );
  }, [id, name]);
  return loaded;
}
