/**
 * The editor plus Deploy: shows a compile error at its line (and keeps the code), a load error
 * or field issues below the editor. Used for new functions and for new versions.
 */
import { useState } from "preact/hooks";
import { ApiError, api, type VersionView } from "../api";
import type { EditorError } from "./cm-setup";
import { CodeEditor } from "./code-editor";
import { ErrorBox } from "./states";

interface Props {
  /** The function's name; null shows a name field (a new function). */
  name: string | null;
  initialCode: string;
  onDeployed: (version: VersionView) => void;
  submitLabel?: string;
}

export function DeployForm({ name, initialCode, onDeployed, submitLabel = "Deploy" }: Props) {
  const [newName, setNewName] = useState("");
  const [code, setCode] = useState(initialCode);
  const [busy, setBusy] = useState(false);
  const [compileError, setCompileError] = useState<(EditorError & { file: string }) | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCompileError(null);
    setNameError(null);
    try {
      onDeployed(await api.deploy(name ?? newName.trim(), code));
    } catch (err) {
      if (err instanceof ApiError && err.code === "compile_error" && err.location) {
        const { file, line, column } = err.location;
        const message = err.detail.replace(`${file}:${line}:${column}: `, "");
        setCompileError({ file, line, column, message });
      } else if (err instanceof ApiError && err.issues.some((i) => i.path === "/name")) {
        setNameError(err.issues.find((i) => i.path === "/name")?.message ?? err.detail);
      } else {
        setError(err instanceof Error ? err : new Error(String(err)));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="deploy-form" onSubmit={submit}>
      {name === null && (
        <div class="field">
          <label for="fn-name">Name</label>
          <input
            id="fn-name"
            required
            pattern="[a-z][a-z0-9\-]{0,62}"
            placeholder="echo"
            value={newName}
            onInput={(e) => setNewName(e.currentTarget.value)}
            aria-describedby="fn-name-help"
            aria-invalid={nameError ? true : undefined}
          />
          <p id="fn-name-help" class={nameError ? "field-error" : "muted small"}>
            {nameError ?? "A lowercase slug: a–z, 0–9 and '-', starting with a letter."}
          </p>
        </div>
      )}
      <div class="field">
        <span class="label" id="code-label">
          Code <span class="muted small">(TypeScript; import {"{ defineFunction, z }"} from "kiln")</span>
        </span>
        <CodeEditor value={code} onChange={setCode} error={compileError} label="Function code" />
      </div>
      {compileError && (
        <div class="compile-error" role="alert">
          <strong>
            Compile error at line {compileError.line}, column {compileError.column}
          </strong>{" "}
          <span class="muted">({compileError.file})</span>
          <pre>{compileError.message}</pre>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || code.trim() === ""}>
          {busy ? "Deploying…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
