/**
 * The editor plus Deploy: shows a compile error at its line (and keeps the code), a load error
 * or field issues below the editor. Used for new functions and for new versions. Unsaved work is
 * kept as a draft in this tab and guarded against leaving; a new function whose name is taken asks
 * before becoming a new version of that function.
 */
import { useRef, useState } from "preact/hooks";
import { ApiError, api, type DeployResponse } from "../api";
import { clearDraft, readDraft, saveDraft } from "../lib/drafts";
import { useLeaveGuard } from "../router";
import type { EditorError } from "./cm-setup";
import { CodeEditor } from "./code-editor";
import { ErrorBox } from "./states";

interface Props {
  /** The function's name; null shows a name field (a new function). */
  name: string | null;
  initialCode: string;
  onDeployed: (version: DeployResponse) => void;
  submitLabel?: string;
}

const LEAVE_QUESTION = "Leave this page? Your code is not deployed (a draft stays in this tab until you close it).";

type CodeError = EditorError & { file: string; kind: "Compile" | "Load" };

/** Where a compile error, or the throw of code that failed to load, points in the editor, when the API said. */
function editorErrorOf(err: ApiError): CodeError | null {
  if (!err.location) return null;
  const { file, line, column } = err.location;
  if (err.code === "compile_error")
    return { file, line, column, kind: "Compile", message: err.detail.replace(`${file}:${line}:${column}: `, "") };
  if (err.code === "load_error") return { file, line, column, kind: "Load", message: err.detail };
  return null;
}

export function DeployForm({ name, initialCode, onDeployed, submitLabel = "Deploy" }: Props) {
  const [restored] = useState(() => {
    const draft = readDraft(name);
    return draft && (draft.code !== initialCode || (draft.name ?? "") !== "") ? draft : null;
  });
  const [editorKey, setEditorKey] = useState(0);
  const [start, setStart] = useState(restored?.code ?? initialCode);
  const [newName, setNewName] = useState(restored?.name ?? "");
  const [code, setCode] = useState(start);
  const [busy, setBusy] = useState(false);
  const [compileError, setCompileError] = useState<CodeError | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [overwrite, setOverwrite] = useState<{ name: string; version: number } | null>(null);
  const [showRestored, setShowRestored] = useState(restored !== null);
  // A ref, not state: onDeployed may navigate away before a re-render could clear the guard.
  const saved = useRef(false);

  const dirty = code !== initialCode || (name === null && newName.trim() !== "");
  useLeaveGuard(() => (dirty && !saved.current ? LEAVE_QUESTION : null));

  const edit = (next: { code?: string; name?: string }) => {
    const c = next.code ?? code;
    const n = next.name ?? newName;
    if (next.code !== undefined) setCode(c);
    if (next.name !== undefined) setNewName(n);
    if (c === initialCode && n.trim() === "") clearDraft(name);
    else saveDraft(name, name === null ? { code: c, name: n } : { code: c });
  };

  const discard = () => {
    clearDraft(name);
    setStart(initialCode);
    setCode(initialCode);
    setNewName("");
    setShowRestored(false);
    setEditorKey((k) => k + 1);
  };

  const deploy = async (target: string) => {
    setBusy(true);
    setError(null);
    setCompileError(null);
    setNameError(null);
    setOverwrite(null);
    try {
      const deployed = await api.deploy(target, code);
      clearDraft(name);
      saved.current = true;
      onDeployed(deployed);
    } catch (err) {
      const located = err instanceof ApiError ? editorErrorOf(err) : null;
      if (located) setCompileError(located);
      else if (err instanceof ApiError && err.issues.some((i) => i.path === "/name")) {
        setNameError(err.issues.find((i) => i.path === "/name")?.message ?? err.detail);
      } else setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (name !== null) return deploy(name);
    const target = newName.trim();
    // A new function must not silently replace another one's code: ask first when the name is taken.
    const existing = await api.fn(target).catch(() => null);
    if (existing) setOverwrite({ name: target, version: existing.currentVersion.number });
    else await deploy(target);
  };

  return (
    <form class="deploy-form" onSubmit={submit}>
      {showRestored && (
        <div class="notice draft-notice" role="status">
          Restored your unsaved draft from this tab.{" "}
          <button type="button" class="link" onClick={discard}>
            Discard draft
          </button>
        </div>
      )}
      {name === null && (
        <div class="field">
          <label for="fn-name">Name</label>
          <input
            id="fn-name"
            required
            pattern="[a-z][a-z0-9\-]{0,62}"
            placeholder="echo"
            value={newName}
            onInput={(e) => {
              setOverwrite(null);
              edit({ name: e.currentTarget.value });
            }}
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
        <CodeEditor key={editorKey} initialValue={start} onChange={(c) => edit({ code: c })} error={compileError} label="Function code" />
      </div>
      {compileError && (
        <div class="compile-error" role="alert">
          <strong>
            {compileError.kind} error at line {compileError.line}, column {compileError.column}
          </strong>{" "}
          <span class="muted">({compileError.file})</span>
          <pre>{compileError.message}</pre>
        </div>
      )}
      {error && <ErrorBox error={error} />}
      {overwrite ? (
        <div class="confirm overwrite" role="alert">
          <span>
            A function named <code>{overwrite.name}</code> already exists (active v{overwrite.version}). Deploying makes this code its new
            version.
          </span>
          <button type="button" class="danger" disabled={busy} onClick={() => deploy(overwrite.name)}>
            {busy ? "Deploying…" : `Deploy as a new version of ${overwrite.name}`}
          </button>
          <button type="button" onClick={() => setOverwrite(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || code.trim() === ""}>
            {busy ? "Deploying…" : submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}
